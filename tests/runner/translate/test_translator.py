"""glue/runner/translate/translator.py: errors that name the file and construct, and the translation cache."""

import json

import pytest

from glue.runner.translate import Translator, UntranslatableSQL


def test_a_construct_sqlglot_cannot_write_for_duckdb_is_named_with_the_file():
    with pytest.raises(UntranslatableSQL, match=r"definitions/x\.sqlx: .*LIMIT in ARRAY_CONCAT_AGG"):
        Translator("definitions/x.sqlx").query("SELECT ARRAY_CONCAT_AGG(a LIMIT 2) FROM t")


def test_untranslatable_sql_names_file_and_construct():
    with pytest.raises(UntranslatableSQL) as error:
        Translator("definitions/broken.sqlx").query("SELECT FROM WHERE (")
    assert "definitions/broken.sqlx" in str(error.value)
    assert "does not parse as BigQuery" in str(error.value)
    # An unterminated string stops sqlglot's tokenizer, before its parser: reported the same way.
    for unterminated in ("SELECT 'abc", "ASSERT 'x"):
        with pytest.raises(UntranslatableSQL, match="definitions/broken.sqlx: cannot run SQL that does not parse"):
            Translator("definitions/broken.sqlx").query(unterminated)


def test_a_cached_translation_is_reused_with_the_variables_its_script_declared(tmp_path, monkeypatch):
    import sqlglot

    from glue.runner import TranslationCache

    declare = "DECLARE since TIMESTAMP DEFAULT (SELECT MAX(t) FROM x);"
    query = "SELECT * FROM x WHERE t > since"
    cache = TranslationCache(tmp_path / "translations.json")
    first = Translator("a.sqlx", cache)
    expected = [first.script(declare).statements, first.query(query)]
    cache.save()

    def no_parsing(*_, **__):
        raise AssertionError("translated again instead of reusing the cached translation")

    monkeypatch.setattr(sqlglot, "parse", no_parsing)
    again = Translator("a.sqlx", TranslationCache(tmp_path / "translations.json"))
    # The variable the cached DECLARE made is known again, so the query still reads it as one.
    assert [again.script(declare).statements, again.query(query)] == expected
    assert "getvariable('since')" in expected[1].lower()


def test_a_translation_unused_for_a_month_is_dropped_and_a_used_one_kept(tmp_path):
    import datetime as dt

    from glue.runner import TranslationCache

    path = tmp_path / "translations.json"
    cache = TranslationCache(path, today=dt.date(2026, 1, 1))
    cache.put("edited-away", {"statements": ["SELECT 1"], "skipped": [], "declared": []})
    cache.put("in-use", {"statements": ["SELECT 2"], "skipped": [], "declared": []})
    cache.save()
    run = TranslationCache(path, today=dt.date(2026, 1, 20))
    assert run.get("in-use") is not None  # a run uses it, and notes the day
    run.save()
    written = path.stat().st_mtime_ns
    again = TranslationCache(path, today=dt.date(2026, 1, 20))
    again.get("in-use")
    again.save()
    assert path.stat().st_mtime_ns == written  # the same day: nothing to write
    month_on = TranslationCache(path, today=dt.date(2026, 2, 5))
    assert month_on.get("edited-away") is None and month_on.get("in-use")["statements"] == ["SELECT 2"]
    month_on.save()
    assert set(json.loads(path.read_text())["entries"]) == {"in-use"}


def test_a_translation_cache_from_another_version_is_discarded(tmp_path):
    import json

    from glue.runner import TranslationCache

    path = tmp_path / "translations.json"
    path.write_text(json.dumps({"version": "older", "entries": {"k": {"statements": ["SELECT 2"]}}}))
    assert TranslationCache(path).get("k") is None
    path.write_text("{torn")
    assert TranslationCache(path).get("k") is None
