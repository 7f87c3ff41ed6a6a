"""Dataform on Google Cloud through its API: the repository (repository.py), compilations and
invocations (invocations.py), a range of loads reprocessed by one invocation (reprocessing.py),
the release and workflow configurations declared in clickstream.yaml with each environment's
compilation overrides (schedule.py), and promotion and rollback between environments
(promotion.py)."""
