"""What BigQuery means: one module per subject, each a set of AST rewrites that make DuckDB give
BigQuery's answer (or BigQuery's error) where sqlglot's translation alone would not."""
