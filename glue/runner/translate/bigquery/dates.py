"""Dates, weeks, times, time zones and format elements as BigQuery has them.

- `EXTRACT(DAYOFWEEK ...)` counts Sunday as 1 (DuckDB: 0); `EXTRACT(WEEK ...)` and `WEEK(<day>)`
  are BigQuery's weeks starting on that day (Sunday for WEEK), not the ISO week;
  `EXTRACT(ISOWEEK ...)` is the ISO week; `EXTRACT(DATE | TIME | DATETIME FROM ts)` is the value
  cast to that type (in UTC), parts DuckDB does not know;
- `TIMESTAMP_DIFF` counts whole units, not unit boundaries crossed;
- `DATE_TRUNC(date, MONTH)` (and DAY, ISOWEEK, WEEK(MONDAY), QUARTER, YEAR) is a bucket of the
  input's own type, a DATE for a DATE (not a TIMESTAMP);
- `DATE_ADD`, `DATE_SUB` and `DATE_FROM_UNIX_DATE` give a DATE (DATE + INTERVAL is a TIMESTAMP);
- `TIMESTAMP_MILLIS` and `TIMESTAMP_MICROS` give a TIMESTAMP (TIMESTAMPTZ) in UTC, as
  TIMESTAMP_SECONDS does, not a TIMESTAMP without a zone (BigQuery's DATETIME);
- TIME and DATETIME: `TIME_TRUNC`, `FORMAT_TIME` (DuckDB's strftime takes no TIME),
  `CURRENT_DATETIME([zone])` and `CURRENT_TIME([zone])` have no DuckDB counterpart: a TIME is
  truncated or formatted as the time of day of 1970-01-01, and the current ones are the clock
  in that zone (UTC by default);
- time zones: `FORMAT_TIMESTAMP(f, ts, zone)` and `DATE_TRUNC(ts, DAY, zone)` work in that zone;
  `PARSE_TIMESTAMP(f, s, zone)` reads s in that zone and gives a TIMESTAMP (UTC when no zone is
  given);
- format elements: FORMAT_*'s %e pads the day with a space; %R, %h, %k, %l, %C, %Q, %s, %n, %t,
  %G and %g, which DuckDB does not know, are written as BigQuery writes them; %E*S and %E<n>S
  (seconds with their fraction) and %Z, %z, %Ez (UTC's name and offset) too (a zone other than
  UTC's name or offset is reported as not run locally); PARSE_*'s %E*S (seconds, with a fraction
  or none) and %Ez (+HH:MM) read as BigQuery reads them;
- `CURRENT_TIMESTAMP()` is the run's clock when one is set (`SET VARIABLE clickstream_clock`), so
  that the SQL tests' two engines read one time; without it, DuckDB's own current time.
"""

from __future__ import annotations

import re

from sqlglot import exp

from glue.runner.translate.errors import UntranslatableSQL
from glue.runner.translate.tree_edits import innermost_first, replace_node, with_value

CLOCK = "clickstream_clock"  # the variable a run sets to pin CURRENT_TIMESTAMP()


_WEEKDAYS = ["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"]


_EXTRACTED_TYPES = {"DATE": "DATE", "TIME": "TIME", "DATETIME": "TIMESTAMP"}


def run_clock(tree: exp.Expression) -> exp.Expression:
    def replace(node):
        if isinstance(node, exp.CurrentTimestamp) and not node.meta.get("clock"):
            node.meta["clock"] = True
            pinned = exp.Anonymous(this="getvariable", expressions=[exp.Literal.string(CLOCK)])
            return exp.Coalesce(this=pinned, expressions=[node])
        return node

    return tree.transform(replace, copy=False)


def extract_parts(tree: exp.Expression) -> exp.Expression:
    """EXTRACT parts that DuckDB names or counts differently.

    DAYOFWEEK: DuckDB counts Sunday as 0, BigQuery as 1. WEEK and WEEK(<day>): BigQuery numbers
    weeks from 0, starting on that day (Sunday for WEEK), the days before the year's first such
    day being week 0; DuckDB's WEEK is the ISO week, which is BigQuery's ISOWEEK (a name DuckDB
    does not know)."""

    def replace(node):
        if not isinstance(node, exp.Extract):
            return node
        part, value = node.this, node.expression
        if isinstance(part, exp.WeekStart) or part.name.upper() == "WEEK":
            start = _WEEKDAYS.index(part.this.name.upper()) if isinstance(part, exp.WeekStart) else 0
            # The week's first day is `offset` days back; a week whose first day is in the year
            # before is week 0.
            offset = f"(dayofweek(__value) - {start} + 7) % 7"
            return exp.paren(with_value(f"(dayofyear(__value) - {offset} + 6) // 7", value), copy=False)
        if part.name.upper() == "ISOWEEK":
            return exp.Extract(this=exp.var("WEEK"), expression=value)
        if part.name.upper() in _EXTRACTED_TYPES:  # a part DuckDB's EXTRACT does not know
            # Through TIMESTAMP: DuckDB casts a TIMESTAMPTZ to DATE but not to TIME.
            local = exp.Cast(this=value, to=exp.DataType.build("TIMESTAMP"))
            return exp.Cast(this=local, to=exp.DataType.build(_EXTRACTED_TYPES[part.name.upper()]))
        if part.name.upper() == "DAYOFWEEK":
            dow = exp.Extract(this=exp.var("DOW"), expression=value)
            return exp.paren(exp.Add(this=dow, expression=exp.Literal.number(1)), copy=False)
        return node

    return tree.transform(replace, copy=False)


def timestamp_diff(tree: exp.Expression) -> exp.Expression:
    """TIMESTAMP_DIFF counts whole units (10:59 to 12:58 is 1 hour); DuckDB's date_diff, which
    sqlglot writes, counts the unit's boundaries crossed (2 hours). date_sub counts whole units."""

    def replace(node):
        if not isinstance(node, exp.TimestampDiff):
            return node
        unit = exp.Literal.string((node.unit.name if node.unit else "DAY").upper())
        return exp.Anonymous(this="date_sub", expressions=[unit, node.expression, node.this])

    return tree.transform(replace, copy=False)


# BigQuery's DATE_TRUNC granularities as DuckDB time buckets, which keep the input's type (DuckDB's
# date_trunc makes a DATE a TIMESTAMP). A week starts on its day: 2000-01-02 was a Sunday.
_BUCKETS = {
    "DAY": ("1 day", None),
    "MONTH": ("1 month", None),
    "QUARTER": ("3 months", None),
    "YEAR": ("1 year", None),
    "WEEK": ("7 days", "2000-01-02"),
    "ISOWEEK": ("7 days", "2000-01-03"),
} | {f"WEEK({day})": ("7 days", f"2000-01-{2 + number:02d}") for number, day in enumerate(_WEEKDAYS)}


def date_trunc(tree: exp.Expression) -> exp.Expression:
    def replace(node):
        if not isinstance(node, exp.DateTrunc) or node.args.get("zone"):
            return node
        unit = node.args.get("unit")
        name = f"WEEK({unit.this.name.upper()})" if isinstance(unit, exp.WeekStart) else unit.name.upper()
        if name not in _BUCKETS:
            return node  # ISOYEAR, and the time units of a DATETIME or TIMESTAMP, stay date_trunc
        width, origin = _BUCKETS[name]
        arguments = [exp.Interval(this=exp.Literal.string(width)), node.this]
        if origin:
            arguments.append(exp.Cast(this=exp.Literal.string(origin), to=exp.DataType.build("DATE")))
        return exp.Anonymous(this="time_bucket", expressions=arguments)

    return tree.transform(replace, copy=False)


def date_arithmetic(tree: exp.Expression) -> exp.Expression:
    """BigQuery's DATE_ADD, DATE_SUB and DATE_FROM_UNIX_DATE give a DATE; DuckDB's DATE + INTERVAL
    a TIMESTAMP. The day arithmetic is the same, month ends included (Jan 31 + 1 month: Feb 29)."""
    for node in innermost_first(tree, exp.DateAdd, exp.DateSub, exp.DateFromUnixDate):
        tree = replace_node(tree, node, exp.Cast(this=node.copy(), to=exp.DataType.build("DATE")))
    return tree


_EPOCH_DAY = "DATE '1970-01-01'"  # a DATE plus a TIME is a TIMESTAMP in DuckDB


def times_of_day(tree: exp.Expression) -> exp.Expression:
    for node in innermost_first(tree, exp.TimeTrunc, exp.TimeToStr, exp.CurrentDatetime, exp.CurrentTime):
        if isinstance(node, exp.TimeTrunc):
            unit = node.unit.name.lower()
            rule = f"CAST(date_trunc('{unit}', {_EPOCH_DAY} + CAST(__value AS TIME)) AS TIME)"
            tree = replace_node(tree, node, with_value(rule, node.this))
        elif isinstance(node, exp.TimeToStr) and isinstance(node.this, exp.TsOrDsToTime):
            node.set("this", with_value(f"{_EPOCH_DAY} + CAST(__value AS TIME)", node.this.this))
        elif isinstance(node, (exp.CurrentDatetime, exp.CurrentTime)):
            zone = node.this if node.this is not None else exp.Literal.string("UTC")
            kind = "TIMESTAMP" if isinstance(node, exp.CurrentDatetime) else "TIME"
            tree = replace_node(tree, node, with_value(f"CAST(timezone(__value, current_timestamp) AS {kind})", zone))
    return tree


def unix_times(tree: exp.Expression) -> exp.Expression:
    for node in innermost_first(tree, exp.UnixToTime):
        scale = node.args.get("scale")
        if scale is not None and scale.name in ("3", "6"):
            tree = replace_node(tree, node, exp.Cast(this=node.copy(), to=exp.DataType.build("TIMESTAMPTZ")))
    return tree


def time_zones(tree: exp.Expression) -> exp.Expression:
    """The time zone argument of FORMAT_TIMESTAMP, DATE_TRUNC and PARSE_TIMESTAMP, PARSE_TIMESTAMP's
    type, and PARSE_*'s %E*S and %Ez; see the module's docstring."""
    for node in innermost_first(tree, exp.TimeToStr, exp.DateTrunc, exp.StrToTime, exp.ParseDatetime):
        zone = node.args.get("zone")
        if isinstance(node, exp.TimeToStr) and zone is not None:
            value = node.this.this if isinstance(node.this, exp.TsOrDsToTimestamp) else node.this
            local = exp.AtTimeZone(
                this=exp.Cast(this=value.copy(), to=exp.DataType.build("TIMESTAMPTZ")), zone=zone.copy()
            )
            tree = replace_node(tree, node, exp.TimeToStr(this=local, format=node.args["format"].copy()))
        elif isinstance(node, exp.DateTrunc) and zone is not None:
            tree = replace_node(
                tree, node, exp.TimestampTrunc(this=node.this.copy(), unit=node.unit.copy(), zone=zone.copy())
            )
        elif isinstance(node, (exp.StrToTime, exp.ParseDatetime)):
            tree = replace_node(tree, node, _parsed(node))
    return tree


def _parsed(node: exp.Expression) -> exp.Expression:
    """PARSE_TIMESTAMP as a moment (in its zone, or UTC), PARSE_DATETIME as local time."""
    pattern = node.args["format"]
    text = pattern.name if isinstance(pattern, exp.Literal) and pattern.is_string else ""
    parsed = _parsed_with_alternatives(node, text) if re.search(r"%E\*S|%Ez", text) else node.copy()
    parsed.set("zone", None)
    if isinstance(node, exp.ParseDatetime) or re.search(r"%E?z|%Z", text):
        return parsed  # local time; or the text carries its offset, and BigQuery ignores the zone
    zone = node.args.get("zone")
    if zone is not None:
        return exp.paren(exp.AtTimeZone(this=parsed, zone=zone.copy()), copy=False)
    return exp.Cast(this=parsed, to=exp.DataType.build("TIMESTAMPTZ"))


# FORMAT_* elements DuckDB's strftime writes otherwise, or not at all, as sqlglot passes them on:
# %e (written %-d by sqlglot, or %e where it spelled out %c) pads the day with a space; %E*S is
# the seconds with the fraction's trailing zeros dropped (none: no point), %E<n>S with n digits
# of it, cut, not rounded (cctz, which BigQuery formats with); %Z, %z and %Ez name UTC. The
# elements in _OTHER_ELEMENTS DuckDB does not know at all.
# %% is matched too, so that the % it writes does not start an element ('%%e' is '%e').
_SPECIAL_ELEMENT = re.compile(r"%%|%-d|%e|%E\*S|%E(\d+)S|%Ez|%z|%Z|%[RhklCQsntGg]")
_OTHER_ELEMENTS = {
    "%%": "'%'",
    "%R": "strftime(__value, '%H:%M')",
    "%h": "strftime(__value, '%b')",
    "%k": "lpad(CAST(hour(__value) AS VARCHAR), 2, ' ')",
    "%l": "lpad(CAST((hour(__value) + 11) % 12 + 1 AS VARCHAR), 2, ' ')",
    "%C": "lpad(CAST(year(__value) // 100 AS VARCHAR), 2, '0')",
    "%Q": "CAST(quarter(__value) AS VARCHAR)",
    "%s": "CAST(CAST(floor(epoch(__value)) AS BIGINT) AS VARCHAR)",
    "%n": "chr(10)",
    "%t": "chr(9)",
    "%G": "CAST(isoyear(__value) AS VARCHAR)",
    "%g": "lpad(CAST(isoyear(__value) % 100 AS VARCHAR), 2, '0')",
}
_DAY = "lpad(CAST(day(__value) AS VARCHAR), 2, ' ')"
_MICROS = "lpad(CAST(microsecond(__value) % 1000000 AS VARCHAR), 6, '0')"
_FULL_SECONDS = (
    f"strftime(__value, '%S') || CASE WHEN microsecond(__value) % 1000000 = 0 THEN '' "
    f"ELSE '.' || rtrim({_MICROS}, '0') END"
)


def _element(match: re.Match) -> str:
    """The DuckDB expression for one special element (see above), with __value for the value."""
    element = match.group(0)
    if element in _OTHER_ELEMENTS:
        return _OTHER_ELEMENTS[element]
    if element in ("%-d", "%e"):
        return _DAY
    if element == "%E*S":
        return _FULL_SECONDS
    if match.group(1) is not None:
        digits = int(match.group(1))
        if digits == 0:
            return "strftime(__value, '%S')"
        return f"strftime(__value, '%S') || '.' || rpad(substr({_MICROS}, 1, {min(digits, 6)}), {digits}, '0')"
    return {"%Ez": "'+00:00'", "%z": "'+0000'", "%Z": "'UTC'"}[element]


def time_formats(tree: exp.Expression) -> exp.Expression:
    """FORMAT_*'s elements that DuckDB writes otherwise; see above and the module's docstring."""
    for node in innermost_first(tree, exp.TimeToStr):
        pattern = node.args.get("format")
        if isinstance(pattern, exp.Literal) and pattern.is_string and _SPECIAL_ELEMENT.search(pattern.name):
            if re.search(r"%E?z|%Z", pattern.name) and not _in_utc(node):
                raise UntranslatableSQL("a time zone's name or offset (%Z, %z, %Ez) outside UTC", pattern.name)
            tree = replace_node(tree, node, _formatted_in_pieces(node.this, pattern.name))
    return tree


def _in_utc(node: exp.TimeToStr) -> bool:
    """Whether the value formatted is a TIMESTAMP shown in UTC (no time zone argument, or 'UTC')."""
    value = node.this
    if isinstance(value, exp.AtTimeZone):
        return value.args["zone"].name.upper() in ("UTC", "ETC/UTC", "+00", "+00:00")
    return isinstance(value, exp.TsOrDsToTimestamp)


def _formatted_in_pieces(value: exp.Expression, pattern: str) -> exp.Expression:
    """strftime of the pattern's ordinary stretches, and an expression for each special element."""
    pieces: list[exp.Expression] = []
    position = 0
    for match in _SPECIAL_ELEMENT.finditer(pattern):
        if match.start() > position:
            pieces.append(
                exp.Anonymous(
                    this="strftime", expressions=[value.copy(), exp.Literal.string(pattern[position : match.start()])]
                )
            )
        pieces.append(exp.paren(with_value(_element(match), value), copy=False))
        position = match.end()
    if position < len(pattern):
        pieces.append(
            exp.Anonymous(this="strftime", expressions=[value.copy(), exp.Literal.string(pattern[position:])])
        )
    return exp.paren(exp.Concat(expressions=pieces), copy=False) if len(pieces) > 1 else pieces[0]


def _parsed_with_alternatives(node: exp.Expression, pattern: str) -> exp.Expression:
    """DuckDB's strptime tries a list of formats: %E*S as seconds with a fraction, then without."""
    pattern = pattern.replace("%Ez", "%z")
    formats = [pattern.replace("%E*S", "%S.%f"), pattern.replace("%E*S", "%S")] if "%E*S" in pattern else [pattern]
    year = node.args.get("default_year")
    text = node.this.copy()
    if year is not None and "%Y" not in pattern:  # BigQuery's default year, as sqlglot writes it
        text = exp.DPipe(this=exp.Literal.string(f"{year.name} "), expression=text)
        formats = [f"%Y {f}" for f in formats]
    name = "try_strptime" if node.args.get("safe") else "strptime"
    return exp.Anonymous(this=name, expressions=[text, exp.Array(expressions=[exp.Literal.string(f) for f in formats])])
