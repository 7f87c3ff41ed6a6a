"""Each user's history as session_features has it, for the features a visit in progress cannot
carry: how many visits the user made before it, how many bought, and when the last one started.

The lookup is held in memory and replaced whole when newer features land (their newest
loaded_at moved on): a request never waits for the warehouse. Only the visits that started
before the visit in progress count, as session_features counts them.

It also holds the suppression list (erased_users' keyed hashes): a user erased on request who
comes back is still answered, but `erased(user_id)` tells the service to store the prediction
without the id, as staging drops the user's new visits.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Iterable

# (user_id, session start as epoch seconds, purchased), ordered by user and start.
HistoryRows = Iterable[tuple[str, float, bool]]


@dataclass
class _User:
    starts: list[float] = field(default_factory=list)
    purchases: list[int] = field(default_factory=list)  # purchases among the first i+1 visits


class UserHistory:
    def __init__(
        self,
        rows: HistoryRows = (),
        as_of: datetime | None = None,
        erased_keys: Iterable[str] = (),
        user_key: Callable[[str], str] | None = None,
    ):
        self.as_of = as_of  # the newest loaded_at of the features it was read from
        self._erased, self._user_key = frozenset(erased_keys), user_key
        self._users: dict[str, _User] = {}
        for user_id, start, purchased in rows:
            user = self._users.setdefault(user_id, _User())
            user.starts.append(start)
            user.purchases.append((user.purchases[-1] if user.purchases else 0) + bool(purchased))

    def __len__(self) -> int:
        return len(self._users)

    def erased(self, user_id: str | None) -> bool:
        """Whether the user is on the suppression list (by the list's keyed hash of the id)."""
        return bool(user_id and self._erased and self._user_key and self._user_key(user_id) in self._erased)

    def features(self, user_id: str, session_start: datetime) -> dict:
        """prior_visits, prior_purchases and seconds_since_last_visit for a visit starting then."""
        user = self._users.get(user_id)
        moment = session_start.timestamp()
        before = bisect.bisect_left(user.starts, moment) if user else 0
        if not before:
            return {"prior_visits": 0, "prior_purchases": 0, "seconds_since_last_visit": None}
        return {
            "prior_visits": before,
            "prior_purchases": user.purchases[before - 1],
            "seconds_since_last_visit": int(moment - user.starts[before - 1]),
        }


class HistoryLookup:
    """The current UserHistory, read again when `newest_load` says features moved on, or when
    `erasures` (the suppression list's length) says a user was erased: an erased user's history
    leaves memory at the next refresh, and `erased_keys` (the list's hashes, read then) with
    `user_key` (how the list hashes an id) mark the user as erased."""

    def __init__(
        self,
        newest_load: Callable[[], datetime | None],
        read: Callable[[], HistoryRows],
        erasures: Callable[[], int] = lambda: 0,
        erased_keys: Callable[[], Iterable[str]] = lambda: (),
        user_key: Callable[[str], str] | None = None,
    ):
        self._newest_load, self._read, self._erasures = newest_load, read, erasures
        self._erased_keys, self._user_key = erased_keys, user_key
        self.current = UserHistory()
        self._read_once = False
        self._erased = 0

    def refresh(self) -> bool:
        """Reads the history if it never has, or again if newer features landed or a user was
        erased since; True when it did."""
        newest, erased = self._newest_load(), self._erasures()
        unchanged = newest is None or newest == self.current.as_of
        if self._read_once and unchanged and erased == self._erased:
            return False
        self._read_once, self._erased = True, erased
        keys = self._erased_keys() if erased else ()
        # Swapped whole: readers see one or the other.
        self.current = UserHistory(self._read(), newest, keys, self._user_key)
        return True
