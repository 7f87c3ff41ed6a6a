"""glue/ml/serving/history.py: a user's history as session_features counts it."""

from datetime import datetime, timezone

from glue.ml.serving import HistoryLookup, UserHistory

UTC = timezone.utc


def _at(day: int, hour: int = 0) -> datetime:
    return datetime(2024, 8, day, hour, tzinfo=UTC)


def test_only_the_visits_before_the_one_in_progress_count():
    history = UserHistory(
        [("u1", _at(1).timestamp(), True), ("u1", _at(3).timestamp(), False), ("u2", _at(2).timestamp(), True)]
    )
    assert history.features("u1", _at(2)) == {
        "prior_visits": 1,
        "prior_purchases": 1,
        "seconds_since_last_visit": 86400,
    }
    assert history.features("u1", _at(4)) == {
        "prior_visits": 2,
        "prior_purchases": 1,
        "seconds_since_last_visit": 86400,
    }
    assert history.features("u1", _at(1)) == {"prior_visits": 0, "prior_purchases": 0, "seconds_since_last_visit": None}
    assert history.features("new", _at(9))["prior_visits"] == 0


def test_the_lookup_is_read_again_only_when_newer_features_land():
    newest, reads = [_at(1)], []

    def read():
        reads.append(newest[0])
        return [("u1", _at(1).timestamp(), True)]

    lookup = HistoryLookup(lambda: newest[0], read)
    assert lookup.refresh() and not lookup.refresh()
    newest[0] = _at(2)
    assert lookup.refresh() and lookup.current.as_of == _at(2)
    assert reads == [_at(1), _at(2)]


def test_an_erasure_takes_the_user_out_of_the_lookup_at_the_next_refresh():
    """The features keep their newest load (an erasure deletes rows, it adds none): the suppression
    list's growth alone makes the lookup read again, without the erased user."""
    rows = [("u1", _at(1).timestamp(), True), ("u2", _at(1).timestamp(), False)]
    erased = [0]
    lookup = HistoryLookup(lambda: _at(1), lambda: list(rows), lambda: erased[0])
    assert lookup.refresh() and lookup.current.features("u1", _at(2))["prior_visits"] == 1
    assert not lookup.refresh()
    rows.pop(0)
    erased[0] = 1
    assert lookup.refresh()
    assert lookup.current.features("u1", _at(2))["prior_visits"] == 0
    assert lookup.current.features("u2", _at(2))["prior_visits"] == 1
    assert not lookup.refresh()


def test_an_erased_user_is_marked_from_the_suppression_lists_hashes():
    keys, erased = [], [0]
    lookup = HistoryLookup(lambda: _at(1), list, lambda: erased[0], lambda: list(keys), lambda uid: f"hash:{uid}")
    assert lookup.refresh() and not lookup.current.erased("u1")
    keys.append("hash:u1")
    erased[0] = 1
    assert lookup.refresh()
    assert lookup.current.erased("u1") and not lookup.current.erased("u2") and not lookup.current.erased(None)


def test_an_erased_user_who_comes_back_is_answered_and_stored_without_the_id(tmp_path):
    """End to end on the local warehouse: the suppression list as `privacy erase` writes it (the
    keyed hash of the id), read by the service as `ml serve` builds it."""
    import json
    from functools import partial

    import duckdb

    from glue.ml.serving import LocalWarehouse, PredictionService, PredictionWriter
    from glue.privacy.erasure import user_key
    from glue.settings import get_settings
    from tests.ml.serving.helpers import VISIT, export_model, requests

    settings, warehouse = get_settings(), tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as db:
        db.execute("CREATE SCHEMA ml; CREATE SCHEMA staging")
        db.execute(
            "CREATE TABLE ml.session_features (user_id VARCHAR, session_start TIMESTAMPTZ, purchased BOOLEAN, loaded_at TIMESTAMPTZ)"
        )
        db.execute("CREATE TABLE staging.erased_users (user_key VARCHAR, erased_at TIMESTAMPTZ)")
        db.execute("INSERT INTO staging.erased_users VALUES (?, now())", [user_key(settings, VISIT["user_id"])])
    store = LocalWarehouse(warehouse, "ml", "predictions", "staging.erased_users")
    lookup = HistoryLookup(
        store.newest_load, store.history_rows, store.erasures, store.erased_keys, partial(user_key, settings)
    )
    service = PredictionService(
        export_model(tmp_path / "model"), lookup, PredictionWriter(store, 100, 0.05), log=lambda _: None
    )
    service.start()
    try:
        other = {**VISIT, "user_id": "UID-2"}
        answers = requests(
            service, ("POST", "/predict", json.dumps(VISIT).encode()), ("POST", "/predict", json.dumps(other).encode())
        )
    finally:
        service.stop()
    assert [a.status_code for a in answers] == [200, 200] and 0 <= answers[0].json()["probability"] <= 1
    with duckdb.connect(str(warehouse)) as db:
        stored = db.execute("SELECT user_id FROM ml.predictions ORDER BY user_id NULLS FIRST").fetchall()
    assert stored == [(None,), ("UID-2",)]
