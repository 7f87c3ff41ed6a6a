"""The purchase-propensity predictions service (`clickstream ml serve`): an ASGI application over
an exported model, a lookup of users' history, and a batched writer of every prediction."""

from glue.ml.predictions_table import COLUMNS
from glue.ml.serving.app import PredictionService
from glue.ml.serving.domain import TrainedDomain
from glue.ml.serving.history import HistoryLookup, UserHistory
from glue.ml.serving.instances import MAX_BATCH_VISITS
from glue.ml.serving.loaded_model import LoadedModel, load_model
from glue.ml.serving.predictions import PredictionWriter
from glue.ml.serving.storing import StoringProcess
from glue.ml.serving.visit_request import BadRequest, VisitInProgress, parse
from glue.ml.serving.warehouses import BigQueryWarehouse, LocalWarehouse

__all__ = [
    "COLUMNS",
    "MAX_BATCH_VISITS",
    "BadRequest",
    "BigQueryWarehouse",
    "HistoryLookup",
    "LoadedModel",
    "LocalWarehouse",
    "PredictionService",
    "PredictionWriter",
    "StoringProcess",
    "TrainedDomain",
    "UserHistory",
    "VisitInProgress",
    "load_model",
    "parse",
]
