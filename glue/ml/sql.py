"""BigQuery ML's SQL as the local runner and the check read it.

Three shapes, found with BigQuery's own tokenizer so that strings and comments stay put:

- `CREATE [OR REPLACE] MODEL [IF NOT EXISTS] name OPTIONS(key = value, ...) AS query`;
- `EXPORT MODEL name OPTIONS(uri = 'gs://...')`, and `EXPORT DATA OPTIONS(...) AS query`, which
  writes a query's rows to Cloud Storage (the local runner's is beside its EXPORT MODEL);
- the table functions `ML.PREDICT(MODEL name, (query) | TABLE name [, STRUCT(0.5 AS threshold)])`,
  `ML.EVALUATE(MODEL name [, (query) | TABLE name] [, STRUCT(...)])`,
  `ML.FEATURE_IMPORTANCE(MODEL name)`, `ML.WEIGHTS(MODEL name [, STRUCT(TRUE AS standardize)])` and
  `ML.FEATURE_INFO(MODEL name)`, anywhere in a statement.

Each is read into its parts with their offsets in the text, so that a caller can replace a call
with what stands for it (a table locally, a typed subquery for the analyzer) and keep every
other character where it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.tokens import Token, TokenType

# The columns ML.EVALUATE returns for a binary classifier, in BigQuery's order.
EVALUATE_COLUMNS = ("precision", "recall", "accuracy", "f1_score", "log_loss", "roc_auc")

FUNCTIONS = ("PREDICT", "EVALUATE", "FEATURE_IMPORTANCE", "WEIGHTS", "FEATURE_INFO")
# Cheap looks before tokenizing: most SQL the runner and the check see has no BigQuery ML at all.
_CALL = re.compile(r"\bML\s*\.\s*(?:" + "|".join(FUNCTIONS) + r")\s*\(", re.I)
_MODEL_STATEMENT = re.compile(r"\b(?:CREATE|EXPORT)\b[\w\s]*?\bMODEL\b|\bEXPORT\s+DATA\b", re.I)


class ModelSQLError(ValueError):
    """BigQuery ML SQL this reader cannot take, with what to write instead."""


@dataclass
class Call:
    function: str  # PREDICT, EVALUATE or FEATURE_IMPORTANCE
    start: int  # offsets of `ML.F( ... )` in the statement
    end: int
    model: str  # dataset.name
    input_sql: str | None = None  # the rows it reads: a query (TABLE t becomes SELECT * FROM t)
    input_start: int | None = None  # where that query starts in the statement (None for TABLE t)
    settings: dict = field(default_factory=dict)  # the STRUCT argument: {"threshold": 0.5}


@dataclass
class CreateModel:
    model: str  # dataset.name
    options: dict
    query: str
    query_start: int
    replace: bool
    if_not_exists: bool


@dataclass
class ExportModel:
    model: str
    options: dict


@dataclass
class ExportData:
    options: dict
    query: str


def _tokens(sql: str) -> list[Token]:
    return list(sqlglot.Dialect.get_or_raise("bigquery").tokenize(sql))


def model_name(text: str) -> str:
    """`project.dataset.name` (backticks or not) as dataset.name: the local warehouse has no projects."""
    parts = [p for p in text.replace("`", "").strip().split(".") if p]
    if len(parts) < 2:
        raise ModelSQLError(f"model {text.strip()!r}: name it dataset.model (Dataform's ${{self()}} or ${{ref()}} do)")
    return ".".join(parts[-2:])


def _closing(tokens: list[Token], opening: int) -> int:
    """The index of the parenthesis that closes the one at `opening`."""
    depth = 0
    for index in range(opening, len(tokens)):
        kind = tokens[index].token_type
        depth += kind == TokenType.L_PAREN
        depth -= kind == TokenType.R_PAREN
        if depth == 0:
            return index
    raise ModelSQLError("a parenthesis is not closed")


def _arguments(tokens: list[Token], opening: int, closing: int) -> list[list[Token]]:
    """The tokens of each top-level argument between two parentheses."""
    arguments, current, depth = [], [], 0
    for token in tokens[opening + 1 : closing]:
        if token.token_type in (TokenType.L_PAREN, TokenType.L_BRACKET):
            depth += 1
        elif token.token_type in (TokenType.R_PAREN, TokenType.R_BRACKET):
            depth -= 1
        if token.token_type == TokenType.COMMA and depth == 0:
            arguments.append(current)
            current = []
        else:
            current.append(token)
    if current:
        arguments.append(current)
    return arguments


def _text(sql: str, tokens: list[Token]) -> str:
    return sql[tokens[0].start : tokens[-1].end + 1]


def _value(node: exp.Expression):
    """An OPTIONS or STRUCT value as Python: a string, number, boolean or list of them."""
    if isinstance(node, exp.Literal):
        return node.this if node.is_string else float(node.this) if "." in node.this else int(node.this)
    if isinstance(node, exp.Boolean):
        return node.this
    if isinstance(node, exp.Array):
        return [_value(e) for e in node.expressions]
    if isinstance(node, exp.Neg):
        return -_value(node.this)
    raise ModelSQLError(f"{node.sql(dialect='bigquery')}: an option takes a string, a number, TRUE/FALSE or [...]")


def options(text: str) -> dict:
    """The `key = value, ...` inside OPTIONS(...), keys lower-cased as BigQuery reads them."""
    wrapped = f"({text})"
    tokens, found = _tokens(wrapped), {}
    for argument in _arguments(tokens, 0, len(tokens) - 1):
        source = _text(wrapped, argument)
        key, equals, value = source.partition("=")
        if not equals:
            raise ModelSQLError(f"OPTIONS({source.strip()}): write key = value")
        found[key.strip().lower()] = _value(sqlglot.parse_one(value.strip(), read="bigquery"))
    return found


def _settings(sql: str, argument: list[Token]) -> dict:
    """The STRUCT(value AS name, ...) argument of ML.PREDICT / ML.EVALUATE."""
    tree = sqlglot.parse_one(_text(sql, argument), read="bigquery")
    if not isinstance(tree, exp.Struct):
        raise ModelSQLError(f"{_text(sql, argument)}: the last argument is STRUCT(value AS name, ...)")
    settings = {}
    for item in tree.expressions:
        if not isinstance(item, (exp.Alias, exp.PropertyEQ)):
            raise ModelSQLError(f"{item.sql(dialect='bigquery')}: name each setting (0.5 AS threshold)")
        name = item.alias if isinstance(item, exp.Alias) else item.this.name
        settings[name.lower()] = _value(item.this if isinstance(item, exp.Alias) else item.expression)
    return settings


def _call(sql: str, tokens: list[Token], at: int) -> Call:
    function = tokens[at + 2].text.upper()
    closing = _closing(tokens, at + 3)
    arguments = _arguments(tokens, at + 3, closing)
    call = Call(function, tokens[at].start, tokens[closing].end + 1, "")
    if not arguments or arguments[0][0].text.upper() != "MODEL" or len(arguments[0]) < 2:
        raise ModelSQLError(f"ML.{function}: its first argument is MODEL dataset.name")
    call.model = model_name(_text(sql, arguments[0][1:]))
    for argument in arguments[1:]:
        first = argument[0]
        if first.text.upper() == "TABLE":
            call.input_sql = f"SELECT * FROM {_text(sql, argument[1:])}"
        elif first.token_type == TokenType.L_PAREN and _closing(argument, 0) == len(argument) - 1:
            call.input_sql, call.input_start = _text(sql, argument[1:-1]), argument[1].start
        else:
            call.settings = _settings(sql, argument)
    return call


def mentions_ml(sql: str) -> bool:
    """Whether the SQL may hold BigQuery ML: an ML.* call, CREATE / EXPORT MODEL or EXPORT DATA (a cheap look,
    which may say yes for one in a string or comment; the readers below then find none)."""
    return bool(_CALL.search(sql) or _MODEL_STATEMENT.search(sql))


def calls(sql: str) -> list[Call]:
    """The outermost ML.* table function calls of a statement, in order."""
    if not _CALL.search(sql):
        return []
    tokens, found, index = _tokens(sql), [], 0
    while index < len(tokens) - 3:
        token = tokens[index]
        if (
            token.text.upper() == "ML"
            and tokens[index + 1].token_type == TokenType.DOT
            and tokens[index + 2].text.upper() in FUNCTIONS
            and tokens[index + 3].token_type == TokenType.L_PAREN
        ):
            call = _call(sql, tokens, index)
            found.append(call)
            while index < len(tokens) and tokens[index].start < call.end:
                index += 1
            continue
        index += 1
    return found


def create_model(sql: str) -> CreateModel | None:
    """The parts of a CREATE MODEL statement; None for any other statement."""
    if not _MODEL_STATEMENT.search(sql):
        return None
    tokens = _tokens(sql)
    words = [t.text.upper() for t in tokens[:8]]
    if not words or words[0] != "CREATE":
        return None
    replace = words[1:3] == ["OR", "REPLACE"]
    at = 3 if replace else 1
    if len(words) <= at or words[at] != "MODEL":
        return None
    at += 1
    if_not_exists = [t.text.upper() for t in tokens[at : at + 3]] == ["IF", "NOT", "EXISTS"]
    at += 3 if if_not_exists else 0
    name_end = at
    while name_end < len(tokens) and tokens[name_end].text.upper() not in ("OPTIONS", "TRANSFORM", "AS"):
        name_end += 1
    if name_end >= len(tokens) or tokens[name_end].text.upper() == "TRANSFORM":
        raise ModelSQLError("CREATE MODEL: the local runner takes OPTIONS(...) AS query, without TRANSFORM")
    model = model_name(_text(sql, tokens[at:name_end]))
    found = {}
    if tokens[name_end].text.upper() == "OPTIONS":
        closing = _closing(tokens, name_end + 1)
        found = options(sql[tokens[name_end + 1].end + 1 : tokens[closing].start])
        name_end = closing + 1
    if name_end >= len(tokens) or tokens[name_end].text.upper() != "AS":
        raise ModelSQLError("CREATE MODEL: the training rows come from AS query")
    start = tokens[name_end + 1].start
    query = sql[start : tokens[-1].end + 1]
    if query.startswith("(") and query.endswith(")"):
        query, start = query[1:-1], start + 1
    return CreateModel(model, found, query, start, replace, if_not_exists)


def export_model(sql: str) -> ExportModel | None:
    """The parts of an EXPORT MODEL statement; None for any other statement."""
    if not _MODEL_STATEMENT.search(sql):
        return None
    tokens = _tokens(sql)
    if [t.text.upper() for t in tokens[:2]] != ["EXPORT", "MODEL"]:
        return None
    at = next((i for i, t in enumerate(tokens) if t.text.upper() == "OPTIONS"), len(tokens))
    model = model_name(_text(sql, tokens[2:at]))
    found = {}
    if at < len(tokens):
        found = options(sql[tokens[at + 1].end + 1 : tokens[_closing(tokens, at + 1)].start])
    return ExportModel(model, found)


def export_data(sql: str) -> ExportData | None:
    """The parts of an `EXPORT DATA [WITH CONNECTION c] OPTIONS(...) AS query` statement; None for
    any other statement."""
    if not _MODEL_STATEMENT.search(sql):
        return None
    tokens = _tokens(sql)
    if [t.text.upper() for t in tokens[:2]] != ["EXPORT", "DATA"]:
        return None
    at = next((i for i, t in enumerate(tokens) if t.text.upper() == "OPTIONS"), None)
    if at is None or at + 1 >= len(tokens) or tokens[at + 1].token_type != TokenType.L_PAREN:
        raise ModelSQLError("EXPORT DATA: write OPTIONS (uri = 'gs://bucket/path-*.json', format = 'JSON') AS query")
    closing = _closing(tokens, at + 1)
    found = options(sql[tokens[at + 1].end + 1 : tokens[closing].start])
    if closing + 2 >= len(tokens) or tokens[closing + 1].text.upper() != "AS":
        raise ModelSQLError("EXPORT DATA: the rows come from AS query")
    query = sql[tokens[closing + 2].start : tokens[-1].end + 1]
    return ExportData(found, query)
