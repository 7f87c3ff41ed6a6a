"""What the analyzer and evaluator see: BigQuery's language, and a catalog of datasets and tables.

Tables are named `dataset.table`, as the compiled Dataform SQL names them; each dataset is a
sub-catalog. A script's DECLAREd variables are catalog constants of their declared type, so a
statement naming one resolves as BigQuery's would. Language: every feature ZetaSQL has, in the
external product mode (BigQuery's type names: FLOAT64, no unsigned integers), time zone UTC as
BigQuery's default (the service's own default is America/Los_Angeles).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from glue.oracle import types, values

DEFAULT_TIMEZONE = "UTC"
# The statements a Dataform project of BigQuery SQL runs: queries, the DDL and DML Dataform
# writes, and what operations and scripts hold. ZetaSQL analyzes only the kinds listed.
STATEMENT_KINDS = (
    "QUERY",
    "CREATE_TABLE_AS_SELECT",
    "CREATE_TABLE",
    "CREATE_VIEW",
    "CREATE_MATERIALIZED_VIEW",
    "CREATE_EXTERNAL_TABLE",
    "CREATE_FUNCTION",
    "CREATE_TABLE_FUNCTION",
    "CREATE_PROCEDURE",
    "CREATE_SCHEMA",
    "CREATE_MODEL",
    "MERGE",
    "INSERT",
    "UPDATE",
    "DELETE",
    "TRUNCATE",
    "ASSERT",
    "DROP",
    "ALTER_TABLE",
    "ALTER_TABLE_SET_OPTIONS",
    "ALTER_VIEW",
    "ALTER_SCHEMA",
    "EXPORT_DATA",
    "EXPORT_MODEL",
    "CALL",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "EXECUTE_IMMEDIATE",
)


@dataclass(eq=False)
class Table:
    columns: list[tuple[str, str]]  # (name, BigQuery type)
    pseudo_columns: list[tuple[str, str]] = field(default_factory=list)  # _FILE_NAME and the like
    # Its protos by name, built once: a check sends the catalog with every statement.
    protos: dict = field(default_factory=dict, repr=False)

    @property
    def all_columns(self) -> list[tuple[str, str]]:
        return [*self.columns, *self.pseudo_columns]


@dataclass
class Constant:
    type: str
    value: object = None


@dataclass
class Catalog:
    tables: dict[str, Table] = field(default_factory=dict)  # "dataset.table" -> Table
    constants: dict[str, Constant] = field(default_factory=dict)

    def with_constants(self, constants: dict[str, Constant]) -> "Catalog":
        return Catalog(self.tables, {**self.constants, **constants})


def language_options(pb, oracle_stub):
    """The language BigQuery speaks, as far as ZetaSQL has it (docs/oracle.md: where they differ)."""
    options = oracle_stub.GetLanguageOptions(pb.service.LanguageOptionsRequest(maximum_features=True))
    options.product_mode = pb.language.PRODUCT_EXTERNAL
    kinds = pb.resolved_kind
    options.supported_statement_kinds[:] = [getattr(kinds, f"RESOLVED_{k}_STMT") for k in STATEMENT_KINDS]
    return options


def analyzer_options(language, pb):
    return pb.options.AnalyzerOptionsProto(
        language_options=language,
        default_timezone=DEFAULT_TIMEZONE,
        error_message_mode=pb.language.ERROR_MESSAGE_ONE_LINE,
        parameter_mode=pb.language.PARAMETER_NAMED,
        preserve_column_aliases=True,
    )


# BigQuery's aliases of its types, which ZetaSQL does not know by these names.
TYPE_ALIASES = {
    "INT": "INT64",
    "INTEGER": "INT64",
    "SMALLINT": "INT64",
    "BIGINT": "INT64",
    "TINYINT": "INT64",
    "BYTEINT": "INT64",
    "DECIMAL": "NUMERIC",
    "BIGDECIMAL": "BIGNUMERIC",
}


def _table_proto(name: str, table: Table, pb):
    if name not in table.protos:
        table.protos[name] = _new_table_proto(name, table, pb)
    proto = pb.table.SimpleTableProto()
    proto.CopyFrom(table.protos[name])
    return proto


def _new_table_proto(name: str, table: Table, pb):
    columns = [pb.table.SimpleColumnProto(name=column, type=types.to_proto(kind, pb)) for column, kind in table.columns]
    columns += [
        pb.table.SimpleColumnProto(name=column, type=types.to_proto(kind, pb), is_pseudo_column=True)
        for column, kind in table.pseudo_columns
    ]
    return pb.table.SimpleTableProto(name=name, column=columns)


def to_proto(catalog: Catalog, language, pb):
    """The SimpleCatalogProto of this catalog, with BigQuery's built-in functions."""
    datasets: dict[str, list] = {}
    quoted = []
    for serial, (qualified, table) in enumerate(sorted(catalog.tables.items()), start=1):
        dataset, name = qualified.split(".", 1)
        # BigQuery splits `dataset.table` in backticks into a path; ZetaSQL reads it as one name.
        # The table is in both places: under its dataset, and at the top as `dataset.table`.
        proto = _table_proto(name, table, pb)
        proto.serialization_id = 2 * serial
        datasets.setdefault(dataset, []).append(proto)
        whole = _table_proto(qualified, table, pb)
        whole.serialization_id = 2 * serial + 1
        quoted.append(whole)
    constants = [
        pb.constant.SimpleConstantProto(
            name_path=[name], type=types.to_proto(c.type, pb), value=values.to_proto(c.value, c.type, pb)
        )
        for name, c in sorted(catalog.constants.items())
    ]
    return pb.catalog.SimpleCatalogProto(
        name="bigquery",
        table=quoted,
        named_type=[
            pb.catalog.SimpleCatalogProto.NamedTypeProto(name=alias, type=types.to_proto(kind, pb))
            for alias, kind in TYPE_ALIASES.items()
        ],
        catalog=[pb.catalog.SimpleCatalogProto(name=dataset, table=tables) for dataset, tables in datasets.items()],
        constant=constants,
        builtin_function_options=pb.options.ZetaSQLBuiltinFunctionOptionsProto(language_options=language),
    )
