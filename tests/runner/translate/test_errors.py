"""glue/runner/translate/errors.py: DuckDB's errors read back as what the model asked for."""

import pytest


@pytest.mark.parametrize(
    "message, function",
    [
        ('Catalog Error: Scalar Function with name st_geogpoint does not exist!\nDid you mean "xor"?', "ST_GEOGPOINT"),
        ("Catalog Error: Aggregate Function with name approx_top_sum does not exist!", "APPROX_TOP_SUM"),
        # sqlglot writes the name from its class, letters of an acronym apart.
        ("Catalog Error: Scalar Function with name j_s_o_n_bool does not exist!", "JSON_BOOL"),
    ],
)
def test_a_function_missing_locally_is_named_as_the_model_wrote_it(message, function):
    from glue.runner.translate.errors import missing_function

    assert missing_function(message).startswith(f"no function {function} locally")
    assert missing_function("Catalog Error: Table with name x does not exist!") is None
