"""Realistic visits, as wire dicts in the sample data's shape (wrapped events).

Everything random comes from one `random.Random`, so a seed reproduces a run exactly.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from itertools import accumulate

from glue.contract import format_timestamp, to_money
from glue.simulator import products

# Cumulative weights once, not on every draw: random.choices is the simulator's hot spot.
_PRODUCT_WEIGHTS = list(accumulate(p.weight for p in products.PRODUCTS))
_DEVICES = [d for d, _ in products.DEVICE_SHARES]
_DEVICE_WEIGHTS = list(accumulate(w for _, w in products.DEVICE_SHARES))
_PAGES = [p for p, _ in products.EXTRA_PAGES]
_PAGE_WEIGHTS = list(accumulate(w for _, w in products.EXTRA_PAGES))
_CART_COUNTS = [n for n, _ in products.CART_ADD_COUNTS]
_CART_WEIGHTS = list(accumulate(w for _, w in products.CART_ADD_COUNTS))


class VisitFactory:
    """Makes one visit at a time; `rng` is the only source of randomness.

    By default a visit with a cart ends in a purchase with the sample's probability, whatever
    else it did: there is nothing to predict. With a `purchase_signal` (a name in SIGNALS; True
    is "planted"), the chance depends on what is known before the purchase (purchase_chance), at
    the same overall rate, so that a model has a behaviour to learn and a test can tell whether it did.
    """

    def __init__(self, rng: random.Random, purchase_signal: str | bool | None = None):
        self.rng = rng
        self.purchase_signal = "planted" if purchase_signal is True else purchase_signal or None
        if self.purchase_signal is not None and self.purchase_signal not in SIGNALS:
            raise ValueError(f"no purchase signal {self.purchase_signal!r}: one of {', '.join(SIGNALS)}")

    def visit(self, start: datetime) -> dict:
        rng = self.rng
        device = rng.choices(_DEVICES, cum_weights=_DEVICE_WEIGHTS)[0]
        clock = _EventClock(rng, start)
        events = [
            _page_view(clock.next(), "home", None),
            _page_view(clock.next(), "products", f"{products.SITE}/home"),
        ]
        extra_pages = rng.choice(products.EXTRA_PAGE_COUNTS)
        for _ in range(extra_pages):
            page = rng.choices(_PAGES, cum_weights=_PAGE_WEIGHTS)[0]
            events.append(_page_view(clock.next(), page, rng.choice(products.REFERRERS)))
        cart = self._cart()
        events += [_event("add_item_to_cart", clock.next(), item) for item in cart]
        chance = (
            purchase_chance(extra_pages, len(cart), device, start.hour, self.purchase_signal)
            if self.purchase_signal
            else products.PURCHASE_GIVEN_CART
        )
        if cart and rng.random() < chance:
            events.append(_event("purchase", clock.next(), self._purchase(cart)))
        return {
            "session_id": f"SID-{rng.randint(1000, 9999)}",
            "user_id": f"UID-{rng.randint(1000, 9999)}",
            "device_type": device,
            "geolocation": f"{rng.uniform(-90, 90):.6f},{rng.uniform(-180, 180):.6f}",
            "user_agent": rng.choice(products.USER_AGENTS[device]),
            "events": events,
        }

    def _cart(self) -> list[dict]:
        count = self.rng.choices(_CART_COUNTS, cum_weights=_CART_WEIGHTS)[0]
        chosen = self.rng.choices(products.PRODUCTS, cum_weights=_PRODUCT_WEIGHTS, k=count)
        return [
            {
                "product_id": p.product_id,
                "product_name": p.product_name,
                "category": p.category,
                "price": p.price,
                "quantity": self.rng.choice(products.QUANTITIES),
            }
            for p in chosen
        ]

    def _purchase(self, cart: list[dict]) -> dict:
        amount = sum(to_money(item["price"]) * item["quantity"] for item in cart)
        return {
            "order_id": f"ORD-{self.rng.randint(1000, 999999)}",
            "amount": float(amount),
            "currency": "USD",
            "items": [dict(item) for item in cart],
        }

    def attack(self, start: datetime, page_views: int, client: dict) -> dict:
        """A denial-of-service visit: one client requesting the same pages over and over."""
        events = [_page_view(start, self.rng.choice(("home", "products")), None) for _ in range(page_views)]
        return {**client, "events": events}


class _EventClock:
    """Seconds between a visit's events: people read pages for a few seconds to a minute."""

    def __init__(self, rng: random.Random, start: datetime):
        self.rng, self.now, self.first = rng, start, True

    def next(self) -> datetime:
        if not self.first:
            self.now += timedelta(seconds=self.rng.randint(2, 45))
        self.first = False
        return self.now


def _event(kind: str, moment: datetime, details: dict) -> dict:
    return {"event": {"event_type": kind, "timestamp": format_timestamp(moment), "details": details}}


def _page_view(moment: datetime, page: str, referrer: str | None) -> dict:
    return _event("page_view", moment, {"page_url": f"{products.SITE}/{page}", "referrer_url": referrer})


def attack_client(rng: random.Random) -> dict:
    """The fixed identity of a burst's attacker."""
    return {
        "session_id": f"SID-{rng.randint(1000, 9999)}",
        "user_id": "UID-0666",
        "device_type": "desktop",
        "geolocation": "55.755800,37.617300",
        "user_agent": "python-requests/2.31.0",
    }


# The signals' weights, on the log-odds of a purchase given a cart. Planted: more pages browsed,
# a bigger cart, a desktop and an evening visit each raise it; the intercept keeps the overall
# rate at the sample's (products.PURCHASE_GIVEN_CART) for the simulator's own mix of visits.
# Reversed turns the pages, device and hour effects around (the cart still tells), and halfway is
# the way there: only the cart tells. A model trained on one mispredicts the others, which is
# what a test of retraining needs (`clickstream simulate --purchase-signal reversed`).
_PLANTED = {"intercept": -0.95, "extra_page": 0.45, "cart_item": 0.6, "desktop": 0.8, "evening": 0.7}
SIGNALS = {
    "planted": _PLANTED,
    "halfway": {**_PLANTED, "extra_page": 0.0, "desktop": 0.0, "evening": 0.0},
    "reversed": {
        **_PLANTED,
        "extra_page": -_PLANTED["extra_page"],
        "desktop": -_PLANTED["desktop"],
        "evening": -_PLANTED["evening"],
    },
}


def purchase_chance(extra_pages: int, cart_items: int, device: str, hour: int, signal: str = "planted") -> float:
    """The chance that a visit with a cart ends in a purchase, under the named signal."""
    weights = SIGNALS[signal]
    log_odds = (
        weights["intercept"]
        + weights["extra_page"] * (extra_pages - 2)
        + weights["cart_item"] * (cart_items - 1)
        + weights["desktop"] * (device == "desktop")
        + weights["evening"] * (18 <= hour < 23)
    )
    return 1 / (1 + math.exp(-log_odds))
