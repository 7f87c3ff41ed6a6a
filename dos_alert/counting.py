"""Page views per event-time window, overall and per page, user and source address.

Windows and triggers (the choices a reader of the counts needs to know):
- Fixed event-time windows, `window_seconds` long (default 60: per minute, as the lab asks).
- A pane fires when the watermark passes the end of the window (ON_TIME), then once more for
  every late element (LATE) until `allowed_lateness` after the end. Panes ACCUMULATE, so each
  late pane carries the corrected total for the window, not a delta: a consumer keeps the
  pane with the highest index.
- A page view later than that is not counted: it leaves on the `too_late` output, counted by
  the `dos_alert/too_late_page_views` metric, instead of vanishing inside the GroupByKey.
  The gate learns that a window closed from a timer set by the window's own page views, so
  a window whose very first page view comes after it closed (a whole minute delivered more
  than `allowed_lateness` late) is dropped by the GroupByKey uncounted. Its messages are still
  in the raw archive, which takes late messages for a day.
"""

from __future__ import annotations

from collections.abc import Iterator

import apache_beam as beam
from apache_beam.coders import BooleanCoder
from apache_beam.transforms import trigger, window
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.utils.timestamp import Duration

from dos_alert.records import PageView, WindowCount

TOO_LATE = "too_late"


def dimension_keys(view: PageView) -> Iterator[tuple[tuple[str, str], int]]:
    """The keys a page view counts under: the whole site, its page, its user and its address."""
    yield ("all", "*"), 1
    yield ("page", view.page_url), 1
    yield ("user", view.user_id), 1
    if view.client_ip:
        yield ("ip", view.client_ip), 1


class _LatenessGate(beam.DoFn):
    """Lets a page view through while its window still accepts data; diverts it after.

    Keyed by window start (state is per key, so every page view of a window must share it).
    An event-time timer at the window's end plus the allowed
    lateness marks the window closed, exactly where the GroupByKey downstream would start
    dropping its data; what arrives after goes to `too_late` and is counted.
    """

    CLOSED = ReadModifyWriteStateSpec("closed", BooleanCoder())
    EXPIRY = TimerSpec("expiry", TimeDomain.WATERMARK)

    def __init__(self, window_seconds: int, allowed_lateness: int):
        self.window_seconds, self.allowed_lateness = window_seconds, allowed_lateness
        self.too_late = beam.metrics.Metrics.counter("dos_alert", "too_late_page_views")

    def process(
        self,
        element: tuple[int, PageView],
        closed=beam.DoFn.StateParam(CLOSED),
        expiry=beam.DoFn.TimerParam(EXPIRY),
    ) -> Iterator[PageView]:
        window_start, view = element
        if closed.read():
            self.too_late.inc()
            yield beam.pvalue.TaggedOutput(TOO_LATE, view)
            return
        expiry.set(window_start + self.window_seconds + self.allowed_lateness)
        yield window.TimestampedValue(view, view.event_time)

    @on_timer(EXPIRY)
    def expire(self, closed=beam.DoFn.StateParam(CLOSED)):
        closed.write(True)


class _ToWindowCount(beam.DoFn):
    def process(
        self, element: tuple[tuple[str, str], int], win=beam.DoFn.WindowParam, pane=beam.DoFn.PaneInfoParam
    ) -> Iterator[WindowCount]:
        (dimension, key), count = element
        yield WindowCount(
            dimension, key, float(win.start), float(win.end), count, trigger_timing(pane.timing), pane.index
        )


def trigger_timing(timing: int) -> str:
    from apache_beam.utils.windowed_value import PaneInfoTiming

    return PaneInfoTiming.to_string(timing)


class CountPageViews(beam.PTransform):
    """Timestamped PageView -> WindowCount per (dimension, key, window, pane); too_late aside."""

    def __init__(self, window_seconds: int = 60, allowed_lateness: int = 120):
        super().__init__()
        self.window_seconds, self.allowed_lateness = window_seconds, allowed_lateness

    def expand(self, page_views):
        size = self.window_seconds
        gated = (
            page_views
            | "Key by window"
            >> beam.Map(lambda v: (int(v.event_time // size) * size, v)).with_output_types(tuple[int, PageView])
            | "Divert too-late views"
            >> beam.ParDo(_LatenessGate(size, self.allowed_lateness)).with_outputs(TOO_LATE, main="in_time")
        )
        counts = (
            gated.in_time
            | "Key by dimension" >> beam.FlatMap(dimension_keys)
            | "Window"
            >> beam.WindowInto(
                window.FixedWindows(size),
                trigger=trigger.AfterWatermark(late=trigger.AfterCount(1)),
                accumulation_mode=trigger.AccumulationMode.ACCUMULATING,
                allowed_lateness=Duration(seconds=self.allowed_lateness),
            )
            | "Count" >> beam.CombinePerKey(sum)
            | "As records" >> beam.ParDo(_ToWindowCount())
        )
        return {"counts": counts, TOO_LATE: gated[TOO_LATE]}
