"""Network addresses kept no finer than a neighbourhood: an IPv4 address to its /24, an IPv6
address to its /48, as Pub/Sub's transform on the BigQuery subscription does
(truncate_client_ip.js, the same rules; a test holds the two equal). A value that is not an
address is dropped."""

from __future__ import annotations

import ipaddress
from pathlib import Path

ATTRIBUTE = "client_ip"
UDF_FILE = Path(__file__).with_name("truncate_client_ip.js")
UDF_FUNCTION = "truncateClientIp"


def truncate_ip(text: str) -> str | None:
    """203.0.113.66 -> 203.0.113.0; 2001:db8:85a3:8d3::1 -> 2001:db8:85a3::; None for a non-address."""
    text = text.strip()
    if "%" in text or (":" in text and "." in text):
        return None  # a zone id, an IPv4 address written as IPv6: not taken apart, dropped
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    prefix = 24 if isinstance(address, ipaddress.IPv4Address) else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def truncated_attributes(attributes: dict[str, str]) -> dict[str, str]:
    """The attributes with client_ip truncated (or removed when it is not an address)."""
    if ATTRIBUTE not in attributes:
        return dict(attributes)
    kept = {k: v for k, v in attributes.items() if k != ATTRIBUTE}
    truncated = truncate_ip(str(attributes[ATTRIBUTE]))
    return kept if truncated is None else {**kept, ATTRIBUTE: truncated}


def udf_code() -> str:
    return UDF_FILE.read_text()
