"""The landing zone: objects in the landing bucket, read as BigQuery's external and object tables
read them, and archived raw messages replayed into it."""

from glue.landing.archive import BucketStore, LocalStore, ReplayReport, replay
from glue.landing.reader import (
    MAX_LINE_BYTES,
    NO_LINES,
    READ_BUFFER_BYTES,
    LandingLayoutError,
    landing_objects,
    landing_query,
    landing_read_error,
)
from glue.landing.upload import land_files, landing_target

__all__ = [
    "BucketStore",
    "LocalStore",
    "ReplayReport",
    "replay",
    "MAX_LINE_BYTES",
    "NO_LINES",
    "READ_BUFFER_BYTES",
    "LandingLayoutError",
    "land_files",
    "landing_objects",
    "landing_query",
    "landing_read_error",
    "landing_target",
]
