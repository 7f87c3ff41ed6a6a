"""BigQuery SQL to DuckDB SQL: sqlglot, plus the rewrites where its DuckDB output is not enough.

The models stay BigQuery SQL; this package is the only place that adapts them, in two kinds:
- `bigquery/`: what BigQuery means. One module per subject (arrays, casts, dates, DDL,
  functions, JSON, scripting); each rewrite makes DuckDB give BigQuery's answer or error, and
  each has a test in tests/runner/translate/ that runs the BigQuery form and checks BigQuery's answer.
- `speed/`: how to make DuckDB fast. Rewrites that change the time and never the answer.

`translator.py` applies them in order and caches the result.
"""

from glue.runner.translate.bigquery.functions import WHITESPACE_CLASS, register_functions
from glue.runner.translate.errors import UntranslatableSQL
from glue.runner.translate.translator import Script, TranslationCache, Translator

__all__ = ["Script", "TranslationCache", "Translator", "UntranslatableSQL", "WHITESPACE_CLASS", "register_functions"]
