"""glue/landing/reader.py: the landing table's lines read whole, generations, the hive layout."""

import pytest

from glue.runner import connect


def test_the_landing_table_reads_every_line_whole(tmp_path):
    """Quotes, commas, tabs, backslashes, CRLF, a 3 MB line and blank lines, as BigQuery's
    external table (CSV, quoting off, U+0001 delimiter) would read them."""
    from glue.landing import landing_query

    lines = [
        '{"q": "\\"quoted\\", with, commas\\ttab \\\\ back"}',
        "",
        "   ",
        'not json "unbalanced',
        "x" * 3_000_000,
        '{"crlf": 1}\r',
        "last line without a newline",
    ]
    objects = tmp_path / "bucket" / "visits" / "hour=2024-07-01T09"
    objects.mkdir(parents=True)
    (objects / "a.jsonl").write_text("\n".join(lines))
    db = connect()
    rows = db.execute(f"SELECT line, _FILE_NAME FROM ({landing_query(tmp_path, 'bucket/visits')})").fetchall()
    assert [line for line, _ in rows if line is not None and line.strip()] == [
        lines[0],
        lines[3],
        lines[4],
        '{"crlf": 1}',
        lines[6],
    ]
    assert {name for _, name in rows} == {"gs://bucket/visits/hour=2024-07-01T09/a.jsonl"}


def test_a_line_with_a_raw_control_character_is_cut_there_and_stays_one_line(tmp_path):
    from glue.landing import landing_query

    objects = tmp_path / "bucket" / "visits" / "hour=2024-07-01T09"
    objects.mkdir(parents=True)
    (objects / "a.jsonl").write_text('{"ok": 1}\n{"a": "x\x01y"}\n{"b": 2}\r\n')
    rows = connect().execute(f"SELECT line FROM ({landing_query(tmp_path, 'bucket/visits')})").fetchall()
    assert [line for (line,) in rows if line] == ['{"ok": 1}', '{"a": "x', '{"b": 2}']


def test_lines_near_the_limit_are_read_whole_where_they_cross_a_read_buffer(tmp_path):
    """Lines just under MAX_LINE_BYTES, one straddling the end of DuckDB's first read buffer, among
    short ones: every line comes back whole, in a file DuckDB reads in parallel."""
    from glue.landing import MAX_LINE_BYTES, READ_BUFFER_BYTES, landing_query

    short = ['{"i": %d}' % i for i in range(20_000)]
    near = MAX_LINE_BYTES - 1
    before = READ_BUFFER_BYTES - near // 2 - sum(len(line) + 1 for line in short)  # bytes up to the straddler
    filler = ["f" * ((4 << 20) - 1)] * (before // (4 << 20)) + ["g" * (before % (4 << 20) - 1)]
    lines = [*short, *filler, "a" * near, *short, "b" * near, "c" * 1000]
    objects = tmp_path / "bucket" / "visits" / "hour=2024-07-01T09"
    objects.mkdir(parents=True)
    (objects / "a.jsonl").write_text("\n".join(lines) + "\n")
    rows = connect().execute(f"SELECT length(line) FROM ({landing_query(tmp_path, 'bucket/visits')})").fetchall()
    assert [length for (length,) in rows] == [len(line) for line in lines]


def test_landing_objects_get_a_new_generation_on_every_write_even_at_the_same_size(tmp_path):
    import os

    from glue.landing import landing_objects

    path = tmp_path / "bucket" / "visits" / "hour=2024-07-01T09" / "visits-2024-07-01.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text('{"a": 1}\n')
    os.utime(path, ns=(1_700_000_000_123_456_000, 1_700_000_000_123_456_000))
    [(uri, generation, size, _)] = landing_objects(tmp_path, "bucket/visits")
    assert (uri, generation, size) == (
        "gs://bucket/visits/hour=2024-07-01T09/visits-2024-07-01.jsonl",
        1_700_000_000_123_456,
        9,
    )
    path.write_text('{"b": 2}\n')  # an overwrite of the same size, a moment later
    os.utime(path, ns=(1_700_000_000_123_457_000, 1_700_000_000_123_457_000))
    [(_, rewritten, same_size, _)] = landing_objects(tmp_path, "bucket/visits")
    assert same_size == size and rewritten > generation


def test_an_object_outside_the_hive_layout_is_named_with_the_fix(tmp_path):
    from glue.landing import LandingLayoutError, landing_objects

    stray = tmp_path / "bucket" / "visits" / "visits-2024-07-01.jsonl"
    stray.parent.mkdir(parents=True)
    stray.write_text('{"a": 1}\n')
    # BigQuery's hive-partitioned landing table would not read it: refused, never skipped in silence.
    with pytest.raises(LandingLayoutError, match=r"gs://bucket/visits/visits-2024-07-01\.jsonl .* not under hour="):
        landing_objects(tmp_path, "bucket/visits")
