"""A client IP is kept no finer than its /24 (IPv4) or /48 (IPv6): the same in Python (the local
subscription sink, the DoS-alert job's archive) as in the BigQuery subscription's JavaScript
transform, which runs here on Node, as Pub/Sub would run it."""

from __future__ import annotations

import json
import random
import shutil
import subprocess

import pytest

from glue.privacy import truncate_ip, truncated_attributes
from glue.privacy.addresses import UDF_FUNCTION, udf_code

FIXED = [
    "203.0.113.66",
    " 10.1.2.3 ",
    "0.0.0.0",
    "255.255.255.255",
    "2001:db8:85a3:8d3:1319:8a2e:370:7348",
    "2001:DB8:85A3::1",
    "::1",
    "::",
    "0:1:0::",
    "1:0:0:0:0:0:0:1",
    "fe80::1%eth0",
    "::ffff:1.2.3.4",
    "256.1.1.1",
    "1.2.3",
    "1.2.3.4.5",
    "2001:db8:::1",
    "12345::1",
    "not an address",
    "",
]


def addresses(count: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        if rng.random() < 0.5:
            found.append(".".join(str(rng.randrange(256)) for _ in range(4)))
        else:
            groups = [format(rng.randrange(65536) if rng.random() < 0.7 else 0, "x") for _ in range(8)]
            text = ":".join(groups)
            found.append(text.replace(":0:0:", "::", 1) if text.count(":0:0:") == 1 else text)
    return found


def javascript(values: list[str]) -> list[str | None]:
    """The transform itself, on each value as a message's client_ip attribute."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH (the Dataform CLI needs it too)")
    script = f"""
{udf_code()}
const values = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = values.map((v) => {{
  const m = {UDF_FUNCTION}({{data: "{{}}", attributes: {{client_ip: v, other: "kept"}}}}, {{message_id: "1"}});
  if (m.data !== "{{}}" || m.attributes.other !== "kept") throw new Error("changed more than client_ip");
  return m.attributes.client_ip === undefined ? null : m.attributes.client_ip;
}});
console.log(JSON.stringify(out));
"""
    result = subprocess.run([node, "-e", script], input=json.dumps(values), capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_python_and_the_pubsub_transform_truncate_alike():
    values = FIXED + addresses(400)
    assert javascript(values) == [truncate_ip(v) for v in values]


def test_an_address_keeps_its_network_and_anything_else_is_dropped():
    assert truncate_ip("203.0.113.66") == "203.0.113.0"
    assert truncate_ip("2001:db8:85a3:8d3:1319:8a2e:370:7348") == "2001:db8:85a3::"
    assert truncate_ip("not an address") is None
    assert truncated_attributes({"client_ip": "198.51.100.7", "origin": "web"}) == {
        "client_ip": "198.51.100.0",
        "origin": "web",
    }
    assert truncated_attributes({"client_ip": "garbage"}) == {}
    assert truncated_attributes({"origin": "web"}) == {"origin": "web"}
