"""BigQuery SQL to DuckDB SQL: sqlglot, plus the fixes where its DuckDB output is wrong.

The models stay BigQuery SQL; this package is the only place that adapts them. Each fix is a
small AST rewrite named for what it corrects, listed in the docstring of its module (json_and_arrays,
casts, dates, functions), and each has a test in tests/test_compat.py that runs the BigQuery form
on DuckDB and checks BigQuery's answer. translator.py applies them in order and caches the result.
"""
from glue.local.compat.errors import UntranslatableSQL
from glue.local.compat.functions import WHITESPACE_CLASS, register_functions
from glue.local.compat.translator import Script, TranslationCache, Translator

__all__ = ["Script", "TranslationCache", "Translator", "UntranslatableSQL", "WHITESPACE_CLASS", "register_functions"]
