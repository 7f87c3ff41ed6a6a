"""`python -m glue ...` is the `clickstream` command (how `local up` starts the sink)."""

from glue.cli import main

main()
