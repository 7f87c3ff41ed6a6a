"""Actions written by hand, for tests that need a small graph rather than the project's."""

from glue.dataform import Action


def hand_made(schema: str, name: str, query: str = "", *dependencies: str, kind: str = "table", **fields) -> Action:
    """An action `schema.name` of `kind`, from definitions/<name>.sqlx, depending on `schema.<d>`."""
    return Action(
        f"{schema}.{name}",
        kind,
        schema,
        name,
        file=f"definitions/{name}.sqlx",
        query=query,
        dependencies=[f"{schema}.{d}" for d in dependencies],
        **fields,
    )
