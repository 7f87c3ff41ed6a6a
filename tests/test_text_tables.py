"""glue/text_tables.py: values written as BigQuery shows them, aligned for a terminal, whole for a pipe."""

import csv
import io
import json
from datetime import date, datetime, timezone
from decimal import Decimal

from glue.text_tables import cell, csv_text, json_text, table_lines

ROW = (None, True, Decimal("5397654.220000000"), datetime(2024, 7, 1, 5, 57, tzinfo=timezone.utc), 3, [1, 2])
COLUMNS = ["nothing", "flag", "revenue", "minute", "n", "list"]


def test_values_are_written_as_bigquery_shows_them():
    assert [cell(v) for v in ROW] == ["NULL", "true", "5397654.22", "2024-07-01 05:57:00 UTC", "3", "[1, 2]"]
    assert cell(Decimal("0E-9")) == "0" and cell(0.25, float_places=4) == "0.2500"
    assert cell(datetime(2024, 7, 1, 5, 57, 0, 120000, tzinfo=timezone.utc)) == "2024-07-01 05:57:00.120000 UTC"


def test_a_table_aligns_columns_numbers_to_the_right_and_cuts_long_values():
    header, row = table_lines(["name", "n"], [("a" * 80, 7)], max_width=10)
    assert header.split() == ["name", "n"]
    assert row.startswith("a" * 9 + "…") and row.endswith("7") and len(row) == len(header)


def test_csv_and_json_keep_every_value_whole():
    [as_csv] = csv.DictReader(io.StringIO(csv_text(COLUMNS, [ROW])))
    assert as_csv == {
        "nothing": "",
        "flag": "true",
        "revenue": "5397654.22",
        "minute": "2024-07-01 05:57:00 UTC",
        "n": "3",
        "list": "[1, 2]",
    }
    [as_json] = json.loads(json_text(COLUMNS, [ROW]))
    assert as_json == {
        "nothing": None,
        "flag": True,
        "revenue": "5397654.22",
        "minute": "2024-07-01 05:57:00 UTC",
        "n": 3,
        "list": [1, 2],
    }
    assert json.loads(json_text(["d"], [(date(2024, 7, 1),)])) == [{"d": "2024-07-01"}]
