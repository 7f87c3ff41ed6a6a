"""How to make DuckDB fast: rewrites that keep every answer and change only the time.

Each is checked by the same tests as the correctness fixes (the answer is BigQuery's with and
without it) and measured by bench/local_build.py.
"""
