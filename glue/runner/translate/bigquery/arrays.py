"""Array subscripts, and the array functions DuckDB lacks, as BigQuery has them.

- `arr[OFFSET(i)]` / `arr[ORDINAL(i)]` past either end fails ("Array index 5 is out of bounds");
  `SAFE_OFFSET` / `SAFE_ORDINAL` give NULL there, negative indexes included (DuckDB would count
  a negative subscript from the end);
- a bare `x[i]` on a JSON value (`doc.events[0]`) counts from 0 as BigQuery's does; only an
  array's subscript is shifted to DuckDB's 1-based lists;
- `ARRAY_FIRST` / `ARRAY_LAST` (an error for an empty array) and `ARRAY_SLICE` (0-based and
  inclusive, negative offsets from the end, out-of-range offsets clamped), which DuckDB lacks;
- `RANGE_BUCKET(point, boundaries)`: how many boundaries are at or below the point, NULL for a
  NULL point.
"""

from __future__ import annotations

from sqlglot import exp

from glue.runner.translate.tree_edits import innermost_first, replace_node, with_value

# BigQuery's message, with the index as written by the query's author (0- or 1-based).
_OUT_OF_BOUNDS = "error('Array index ' || CAST(__value AS VARCHAR) || ' is out of bounds')"
# Written with list_extract (1-based), not brackets: sqlglot shifts the index of a bracket it parses.
_SUBSCRIPTS = {
    # (first index, safe): the element at __value, as BigQuery finds it.
    (0, False): f"""CASE WHEN __value < 0 OR __value >= len(__array) THEN {_OUT_OF_BOUNDS}
                    ELSE list_extract(__array, __value + 1) END""",
    (1, False): f"""CASE WHEN __value < 1 OR __value > len(__array) THEN {_OUT_OF_BOUNDS}
                    ELSE list_extract(__array, __value) END""",
    (0, True): "CASE WHEN __value >= 0 AND __value < len(__array) THEN list_extract(__array, __value + 1) END",
    (1, True): "CASE WHEN __value >= 1 AND __value <= len(__array) THEN list_extract(__array, __value) END",
}


def subscripts(tree: exp.Expression) -> exp.Expression:
    """OFFSET, ORDINAL, SAFE_OFFSET and SAFE_ORDINAL as BigQuery bounds them. A bare `x[i]` may
    be a JSON subscript, which BigQuery does not bound: bare_subscripts takes it."""
    for node in innermost_first(tree, exp.Bracket):
        first = node.args.get("offset")
        if first is None or len(node.expressions) != 1:
            continue
        rule = _SUBSCRIPTS[(int(first), bool(node.args.get("safe")))]
        tree = replace_node(tree, node, exp.paren(with_value(rule, node.expressions[0], array=node.this), copy=False))
    return tree


def bare_subscripts(tree: exp.Expression) -> exp.Expression:
    """`x[i]` with a number: 0-based in BigQuery for an ARRAY and for JSON. DuckDB counts a list
    from 1 and JSON from 0; which x is, only DuckDB knows, so the index asks (typeof is folded
    when the query is bound)."""
    for node in innermost_first(tree, exp.Bracket):
        if node.args.get("offset") is not None or len(node.expressions) != 1 or node.expressions[0].is_string:
            continue
        index = with_value(
            "CASE WHEN typeof(__array) = 'JSON' THEN __value ELSE __value + 1 END", node.expressions[0], array=node.this
        )
        node.set("expressions", [index])
        node.set("offset", 1)  # the index is DuckDB's own now: sqlglot must not shift it again
    return tree


_FIRST = "CASE WHEN len(__value) = 0 THEN error('ARRAY_FIRST: the array is empty') ELSE list_extract(__value, 1) END"
_LAST = "CASE WHEN len(__value) = 0 THEN error('ARRAY_LAST: the array is empty') ELSE list_extract(__value, -1) END"
# ARRAY_SLICE's offsets, 0-based, as positions in the array: negative ones count from the end,
# and each is clamped to the array. DuckDB's list_slice is 1-based and inclusive.
_SLICE_START = "greatest(CASE WHEN __value < 0 THEN __value + len(__array) ELSE __value END, 0)"
_SLICE_END = "least(CASE WHEN __value < 0 THEN __value + len(__array) ELSE __value END, len(__array) - 1)"
_SLICE = """CASE WHEN __first IS NULL OR __last IS NULL THEN NULL WHEN __end < __start THEN []
              ELSE list_slice(__array, __start + 1, __end + 1) END"""


def array_ends(tree: exp.Expression) -> exp.Expression:
    for node in innermost_first(tree, exp.ArrayFirst, exp.ArrayLast):
        rule = _FIRST if isinstance(node, exp.ArrayFirst) else _LAST
        tree = replace_node(tree, node, exp.paren(with_value(rule, node.this), copy=False))
    return tree


def array_slices(tree: exp.Expression) -> exp.Expression:
    for node in innermost_first(tree, exp.ArraySlice):
        array, start, end = node.this, node.args.get("start"), node.args.get("end")
        if start is None or end is None:
            continue
        sliced = with_value(
            _SLICE,
            array,
            array=array,
            first=start,
            last=end,
            start=with_value(_SLICE_START, start, array=array),
            end=with_value(_SLICE_END, end, array=array),
        )
        tree = replace_node(tree, node, exp.paren(sliced, copy=False))
    return tree


_RANGE_BUCKET = "CASE WHEN __value IS NOT NULL THEN len(list_filter(__array, b -> b <= __value)) END"


def range_buckets(tree: exp.Expression) -> exp.Expression:
    for node in innermost_first(tree, exp.RangeBucket):
        bucket = with_value(_RANGE_BUCKET, node.this, array=node.expression)
        tree = replace_node(tree, node, exp.paren(bucket, copy=False))
    return tree
