"""The compiled Dataform project: `dataform compile`'s JSON read into actions, their
dependencies and their SQL. The runner, the oracle, the cost model, the docs and governance
all read the project through this package."""

from glue.dataform.compiler import CliMissing, CompilationError, compile_project
from glue.dataform.graph import Action, DataformTest, Graph, did_you_mean
from glue.dataform.script_blocks import Branch, If, ScriptError, Statement, blocks, has_blocks
from glue.dataform.sqlx_lines import Problem, locate, named_in_sqlx
from glue.dataform.tokens import statement_tokens

__all__ = [
    "Action",
    "Branch",
    "If",
    "ScriptError",
    "Statement",
    "blocks",
    "has_blocks",
    "CliMissing",
    "CompilationError",
    "DataformTest",
    "Graph",
    "Problem",
    "compile_project",
    "did_you_mean",
    "locate",
    "named_in_sqlx",
    "statement_tokens",
]
