"""Default alert thresholds, importable without Apache Beam (the dashboard marks them too).

Page views per minute above which a key is suspicious. Normal simulated traffic (60 visits a
minute) gives about 200 page views a minute site-wide, under 100 per page and under 15 per
user; `clickstream simulate --burst 600` gives one client 600.
"""

DEFAULT_THRESHOLDS = {"all": 3000, "page": 1500, "user": 300, "ip": 300}
