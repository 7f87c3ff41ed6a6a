"""The traffic simulator: visits shaped like the lab's sample, faults and bursts on demand, sent to
stdout, files, Cloud Storage or Pub/Sub (targets.py) at a live or backfilled pace (run.py)."""
