"""The Python glue around the Dataform project: the `clickstream` command (cli/) and what it runs."""
