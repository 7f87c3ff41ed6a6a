"""An edit's report as the terminal shows it: the problems at their lines, or the edited models'
first rows and diffs, a line per dependant, the assertions and the time each step took."""

from __future__ import annotations

from glue.data_diff import TableDiff, render
from glue.dev_loop.session import EditReport
from glue.text_tables import table_lines


def describe(report: EditReport, samples: int = 3) -> str:
    lines = [f"saved {', '.join(_relative(p) for p in report.files)}" if report.files else "the project as it is"]
    if report.problems:
        lines += [problem.format() for problem in report.problems]
        if report.left_out:
            lines.append(f"({report.left_out} more errors follow from these, not shown)")
        lines.append(f"not run: fix the problem above and save ({_steps(report)})")
        return "\n".join(lines)
    if report.files and not report.edited:
        lines.append(f"no action compiles differently: nothing to run ({_steps(report)})")
        return "\n".join(lines)
    for name in report.edited:
        lines += _edited(report, name, samples)
    dependants = [n for n in [*report.diffs, *report.new] if n not in report.edited]
    if dependants:
        lines += ["", "what depends on it:"]
        lines += [
            f"  {name}: {_summary(report.diffs[name]) if name in report.diffs else _new(report.new[name])}"
            for name in dependants
        ]
    checks = [r for r in report.results if r.action.kind == "assertion"]
    for result in checks:
        verdict = "passed" if result.status == "ok" else f"{result.status}: {result.message or result.rows}"
        lines.append(f"  assertion {result.action.name}: {verdict}")
    for result in [r for r in report.results if r.status == "failed" and r.action.kind != "assertion"]:
        lines.append(f"  FAILED {result.action.name}: {result.message}")
    if report.apart:
        lines.append(f"  not rerun (run them with `clickstream local run --actions NAME`): {', '.join(report.apart)}")
    lines.append(_steps(report))
    return "\n".join(lines)


def _edited(report: EditReport, name: str, samples: int) -> list[str]:
    lines = [""]
    if name in report.rows:
        columns, rows, total = report.rows[name]
        lines.append(f"{name}: {len(rows)} of {total:,} rows")
        lines += ["  " + line for line in table_lines(columns, rows, max_width=32)]
    if name in report.diffs:
        lines += ["  " + line for line in render(report.diffs[name], samples).splitlines()]
    elif name in report.new:
        lines.append(f"  {_new(report.new[name])}")
    elif name not in report.rows:
        result = next((r for r in report.results if r.action.name == name), None)
        lines.append(f"{name}: {result.status if result else 'not run'}")
    return lines


def _summary(diff: TableDiff) -> str:
    parts = [f"+{diff.added:,} −{diff.removed:,}"]
    if diff.changed is not None:
        parts.append(f"~{diff.changed:,} changed")
    schema = len(diff.added_columns) + len(diff.dropped_columns) + len(diff.retyped_columns)
    if schema:
        parts.append(f"{schema} column(s) added, dropped or retyped")
    return f"{' '.join(parts)} rows ({diff.before_rows:,} -> {diff.after_rows:,})"


def _new(rows: int) -> str:
    return f"new: {rows:,} rows"


def _steps(report: EditReport) -> str:
    steps = " · ".join(f"{step} {seconds:.2f}s" for step, seconds in report.seconds.items())
    return f"[{steps} = {report.total_seconds:.2f}s]"


def _relative(path) -> str:
    parts = path.parts
    for top in ("definitions", "includes", "workflow_settings.yaml"):
        if top in parts:
            return "/".join(parts[parts.index(top) :])
    return str(path)
