"""The local dashboard: the marts and per-minute series read from the warehouse (data.py), drawn as one
self-contained page (render.py), written or served (publish.py)."""
