"""How BigQuery's JSON writes a FLOAT64, and which JSON numbers it keeps exactly.

BigQuery's JSON type (ZetaSQL's JSONValue) keeps a number as INT64, UINT64 or FLOAT64 and
writes a FLOAT64 with the Grisu2 algorithm (Loitsch, "Printing Floating-Point Numbers Quickly
and Accurately with Integers", 2010), as nlohmann/json does. Grisu2 is fast and always
round-trips, but about one double in a thousand gets more digits than the shortest form:
4189.900000000001 is written 4189.9000000000005, 1e23 is written 9.999999999999999e+22.

PARSE_JSON's default wide_number_mode 'exact' refuses a number unless it is an integer of INT64
or UINT64 range, or its FLOAT64 written back this way has the same decimal value ("Input number:
4189.900000000001 cannot round-trip through string representation"). 'round' keeps the FLOAT64.
"""

from __future__ import annotations

import math
import struct
from decimal import Decimal, InvalidOperation
from functools import lru_cache

_ALPHA, _GAMMA = -60, -32
_MASK32, _MASK64 = (1 << 32) - 1, (1 << 64) - 1


def _mul(xf: int, xe: int, yf: int, ye: int) -> tuple[int, int]:
    """The 64-bit product of two 64-bit significands, rounded as Grisu's diy_fp multiply rounds."""
    u_lo, u_hi, v_lo, v_hi = xf & _MASK32, xf >> 32, yf & _MASK32, yf >> 32
    p0, p1, p2, p3 = u_lo * v_lo, u_lo * v_hi, u_hi * v_lo, u_hi * v_hi
    q = (p0 >> 32) + (p1 & _MASK32) + (p2 & _MASK32) + (1 << 31)
    return (p3 + (p2 >> 32) + (p1 >> 32) + (q >> 32)) & _MASK64, xe + ye + 64


def _normalize(f: int, e: int) -> tuple[int, int]:
    shift = 64 - f.bit_length()
    return f << shift, e - shift


@lru_cache(maxsize=None)
def _cached_power(k: int) -> tuple[int, int]:
    """10^k as a 64-bit significand and binary exponent, rounded to nearest (Grisu's table)."""
    if k >= 0:
        value = 10**k
        e = value.bit_length() - 64
        if e <= 0:
            return value << -e, e
        f = (value + (1 << (e - 1))) >> e
    else:
        denominator = 10**-k
        shift = 63 + denominator.bit_length()
        if (1 << shift) // denominator < (1 << 63):
            shift += 1
        f, e = ((1 << (shift + 1)) + denominator) // (2 * denominator), -shift
    if f >> 64:  # rounding carried into a 65th bit
        f, e = f >> 1, e + 1
    return f, e


def _cached_power_for(e: int) -> tuple[int, int, int]:
    """The cached power of ten that brings a number of binary exponent e into [alpha, gamma]."""
    f = _ALPHA - e - 1
    product = f * 78913
    k = (abs(product) >> 18) * (1 if product >= 0 else -1) + (1 if f > 0 else 0)  # C's truncation
    index = (300 + k + 7) // 8
    decimal = -300 + 8 * index
    cf, ce = _cached_power(decimal)
    return cf, ce, decimal


def _round(digits: list[int], dist: int, delta: int, rest: int, ten_k: int) -> None:
    while rest < dist and delta - rest >= ten_k and (rest + ten_k < dist or dist - rest > rest + ten_k - dist):
        digits[-1] -= 1
        rest += ten_k


def _digits(minus: tuple[int, int], w: tuple[int, int], plus: tuple[int, int]) -> tuple[list[int], int]:
    delta = plus[0] - minus[0]
    dist = plus[0] - w[0]
    one_e = plus[1]
    one_f = 1 << -one_e
    p1, p2 = plus[0] >> -one_e, plus[0] & (one_f - 1)
    n, pow10 = len(str(p1)), 10 ** (len(str(p1)) - 1)
    digits: list[int] = []
    exponent = 0
    while n > 0:
        digits.append(p1 // pow10)
        p1 %= pow10
        n -= 1
        rest = (p1 << -one_e) + p2
        if rest <= delta:
            exponent += n
            _round(digits, dist, delta, rest, pow10 << -one_e)
            return digits, exponent
        pow10 //= 10
    m = 0
    while True:
        p2 *= 10
        digits.append(p2 >> -one_e)
        p2 &= one_f - 1
        m += 1
        delta *= 10
        dist *= 10
        if p2 <= delta:
            break
    _round(digits, dist, delta, p2, one_f)
    return digits, exponent - m


def _grisu2(value: float) -> tuple[str, int]:
    """The digits of a positive finite double and the decimal exponent of the last one."""
    bits = struct.unpack("<Q", struct.pack("<d", value))[0]
    biased, fraction = bits >> 52, bits & ((1 << 52) - 1)
    f, e = (fraction, -1074) if biased == 0 else (fraction + (1 << 52), biased - 1075)
    lower_closer = fraction == 0 and biased > 1
    plus = _normalize(2 * f + 1, e - 1)
    minus_f, minus_e = (4 * f - 1, e - 2) if lower_closer else (2 * f - 1, e - 1)
    minus = (minus_f << (minus_e - plus[1]), plus[1])
    w = _normalize(f, e)
    cf, ce, k = _cached_power_for(plus[1])
    w_scaled = _mul(*w, cf, ce)
    minus_scaled = _mul(*minus, cf, ce)
    plus_scaled = _mul(*plus, cf, ce)
    minus_scaled = (minus_scaled[0] + 1, minus_scaled[1])
    plus_scaled = (plus_scaled[0] - 1, plus_scaled[1])
    digits, exponent = _digits(minus_scaled, w_scaled, plus_scaled)
    return "".join(map(str, digits)), exponent - k


def _exponent(e: int) -> str:
    return ("e-" if e < 0 else "e+") + f"{abs(e):02d}"


def float_text(value: float) -> str:
    """A FLOAT64 as BigQuery's JSON writes it: 100.0, 0.001, 1.5e+300, 4189.9000000000005."""
    if value == 0:
        return "-0.0" if math.copysign(1, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    digits, exponent = _grisu2(abs(value))
    k, n = len(digits), len(digits) + exponent
    if k <= n <= 15:
        return f"{sign}{digits}{'0' * (n - k)}.0"
    if 0 < n <= 15:
        return f"{sign}{digits[:n]}.{digits[n:]}"
    if -4 < n <= 0:
        return f"{sign}0.{'0' * -n}{digits}"
    mantissa = digits if k == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{sign}{mantissa}{_exponent(n - 1)}"


def is_integer_token(token: str) -> bool:
    return not any(c in token for c in ".eE")


def number_problem(token: str, mode: str = "exact") -> str | None:
    """Why PARSE_JSON refuses this JSON number in this wide_number_mode, or None if it keeps it."""
    if is_integer_token(token) and -(1 << 63) <= int(token) < (1 << 64):
        return None
    try:
        value = float(token)
    except ValueError:
        return None  # not a number: the JSON parser judges it
    if math.isinf(value):
        return f"number overflow parsing '{token}'"
    if mode == "round":
        return None
    written = float_text(value)
    try:
        if written == token or Decimal(written) == Decimal(token):
            return None
    except InvalidOperation:
        return None
    return f"Input number: {token} cannot round-trip through string representation"
