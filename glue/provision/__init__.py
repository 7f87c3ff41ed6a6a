"""The landing side and alerting as code: each resource read first, then only what differs created or
changed (plan.py), through the official Google Cloud clients; remedies.py says what to do about a refusal."""
