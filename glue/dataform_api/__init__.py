"""Dataform on Google Cloud through its API: compilations and invocations (invocations.py), and the
release and workflow configurations declared in clickstream.yaml (schedule.py)."""
