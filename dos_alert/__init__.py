"""The Apache Beam DoS-alert job: page views counted per window and key from the visits subscription,
an alert for each key above its threshold. pipeline.py builds the graph from named composite transforms."""
