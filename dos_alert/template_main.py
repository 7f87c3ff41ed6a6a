"""The Flex Template's entry point (FLEX_TEMPLATE_PYTHON_PY_FILE in dos_alert/Dockerfile).

The template launcher runs this file with the launch's parameters as flags (--subscription=...,
--runner=DataflowRunner, --project=..., ...); it runs dos_alert.pipeline. `--help` lists the
job's own options, the ones dos_alert/metadata.json declares.
"""

from __future__ import annotations

import logging
import sys


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    from dos_alert.pipeline import DosAlertOptions, run

    if "-h" in argv or "--help" in argv:
        DosAlertOptions(argv)  # argparse prints the options and exits 0
        return
    logging.getLogger().setLevel(logging.INFO)
    run(argv)


if __name__ == "__main__":
    main()
