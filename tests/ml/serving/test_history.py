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
