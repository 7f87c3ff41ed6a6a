"""Personal data: what each reader sees of it, and network addresses kept coarse.

- `column_masks(settings, reader)`: each personal column's masking for a reader;
- `masked_connection(warehouse, reader, settings)`: the local warehouse as that reader reads it;
- `truncate_ip(text)`, `truncated_attributes(attributes)`: a client IP to its /24 or /48, as the
  BigQuery subscription's transform (`addresses.udf_code()`) does;
- `erase(settings, user_id, stores, dry_run, now)`: one user erased locally (erasure.py);
- `CloudErasure(...)`, `CloudTables.of(...)`: the same on BigQuery, Dataform and Cloud Storage
  (cloud_erasure.py), given the reprocessing to run (glue/dataform_api/reprocessing.py).
"""

from glue.privacy.addresses import truncate_ip, truncated_attributes
from glue.privacy.cloud_erasure import CloudErasure, CloudTables
from glue.privacy.erasure import Erasure, erase, user_key
from glue.privacy.masking import READERS_WITH_RAW_VALUES, UnknownReader, column_masks, masked_connection

__all__ = [
    "CloudErasure",
    "CloudTables",
    "Erasure",
    "READERS_WITH_RAW_VALUES",
    "UnknownReader",
    "column_masks",
    "erase",
    "masked_connection",
    "truncate_ip",
    "truncated_attributes",
    "user_key",
]
