"""glue/runner/warehouse.py: opening the warehouse file."""

import pytest

from glue.runner import connect


def test_a_broken_warehouse_file_is_reported_as_broken_not_as_busy(tmp_path):
    import duckdb

    from glue.runner import WarehouseBusy

    broken = tmp_path / "warehouse.duckdb"
    broken.write_bytes(b"not a database" * 1000)
    with pytest.raises(duckdb.Error) as raised:
        connect(broken, lock_timeout=1)
    assert not isinstance(raised.value, WarehouseBusy)
