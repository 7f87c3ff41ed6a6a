"""A request's visits, one or a batch, each checked field by field and against what the model was
trained on, with the model's inputs worked out for each.

A batch is Vertex AI's online-prediction body, answered in the same order:

    {"instances": [{visit}, {visit}, ...]}   ->   {"predictions": [{answer}, {answer}, ...]}

At most `maximum` visits (clickstream.yaml ml.serve.max_batch_visits; MAX_BATCH_VISITS unless it says
otherwise): more is a 413 naming the limit. A batch with any wrong visit is refused whole, as
Vertex AI refuses one: a 422 naming each wrong visit by its index and what is wrong with it
(`instances[3]: device_type: ...`), and no visit of it is scored or stored, so a caller never has
to work out which of its visits were answered.
"""

from __future__ import annotations

import json

from glue.ml.serving.domain import TrainedDomain
from glue.ml.serving.history import UserHistory
from glue.ml.serving.visit_request import BadRequest, VisitInProgress, read_visit

MAX_BATCH_VISITS = 1_000


def is_batch(request) -> bool:
    return isinstance(request, dict) and "instances" in request


def model_inputs(visit: VisitInProgress, history: UserHistory) -> dict:
    """Every feature the model takes: the visit's own, its time features, and the user's history."""
    return {
        "device_type": visit.device_type,
        **visit.time_features(),
        "page_views": visit.page_views,
        "cart_additions": visit.cart_additions,
        "cart_value": visit.cart_value,
        **history.features(visit.user_id, visit.session_start),
    }


def _items(request: dict, maximum: int) -> list:
    items = request["instances"]
    if not isinstance(items, list) or not items:
        shown = json.dumps(items)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise BadRequest(422, [f"instances: a list of 1 to {maximum:,} visits, not {shown}"])
    if len(items) > maximum:
        raise BadRequest(413, [f"instances: {len(items):,} visits; at most {maximum:,} in one request"])
    unknown = sorted(set(request) - {"instances"})
    if unknown:
        raise BadRequest(422, [f'unknown fields: {", ".join(unknown)} (a batch is {{"instances": [...]}})'])
    return items


def _checked(item, domain: TrainedDomain, history: UserHistory) -> tuple[VisitInProgress, dict]:
    visit = read_visit(item)
    inputs = model_inputs(visit, history)
    problems = domain.unknown_categories(inputs)
    if problems:
        raise BadRequest(422, problems)
    return visit, inputs


def checked_visits(
    request, domain: TrainedDomain, history: UserHistory, maximum: int = MAX_BATCH_VISITS
) -> list[tuple[VisitInProgress, dict]]:
    """Each visit of the decoded request with its model inputs; BadRequest naming every problem otherwise."""
    if not is_batch(request):
        return [_checked(request, domain, history)]
    checked, problems = [], []
    for index, item in enumerate(_items(request, maximum)):
        try:
            checked.append(_checked(item, domain, history))
        except BadRequest as refused:
            problems += [f"instances[{index}]: {problem}" for problem in refused.problems]
    if problems:
        raise BadRequest(422, problems)
    return checked
