"""Default alert thresholds, importable without Apache Beam (the dashboard marks them too).

Page views per window (--window-seconds, 60 by default) above which a key is suspicious: a
threshold counts what one window holds, so a shorter window needs a lower one. Normal simulated
traffic (60 visits a minute) gives about 200 page views a minute site-wide, under 100 per page
and under 15 per user; `clickstream simulate --burst 600` gives one client 600 a minute.
"""

DEFAULT_THRESHOLDS = {"all": 3000, "page": 1500, "user": 300, "ip": 300}
