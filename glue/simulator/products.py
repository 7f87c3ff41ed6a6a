"""What the simulated shop sells and who visits it.

Weights are the shares seen in ../shared/data/challenge-lab-visits (60 days, 8,804 visits):
product weights are add-to-cart counts, device shares are visit counts.
"""

from __future__ import annotations

from dataclasses import dataclass

SITE = "https://example.com"


@dataclass(frozen=True)
class Product:
    product_id: str
    product_name: str
    category: str
    price: float
    weight: int


PRODUCTS: tuple[Product, ...] = (
    Product("HDW-001", "Laptop X200", "hardware", 999.99, 944),
    Product("HDW-002", "Desktop Z500", "hardware", 1299.99, 608),
    Product("HDW-003", "Gaming PC Y900", "hardware", 1899.99, 267),
    Product("HDW-004", "Ultrabook A400", "hardware", 1199.99, 450),
    Product("HDW-005", "Workstation Pro 9000", "hardware", 2599.99, 138),
    Product("HDW-006", "Mini PC Cube", "hardware", 699.99, 605),
    Product("PER-001", "Wireless Mouse", "peripherals", 29.99, 1137),
    Product("PER-002", "Mechanical Keyboard", "peripherals", 89.99, 888),
    Product("PER-003", '27" 4K Monitor', "peripherals", 399.99, 275),
    Product("PER-004", "USB-C Docking Station", "peripherals", 129.99, 158),
    Product("PER-005", "Noise Cancelling Headphones", "peripherals", 199.99, 310),
    Product("PER-006", "Webcam HD 1080p", "peripherals", 49.99, 133),
    Product("SFT-001", "Office Suite Pro", "software", 199.99, 784),
    Product("SFT-002", "Antivirus Shield", "software", 49.99, 917),
    Product("SFT-003", "Photo Editor Pro", "software", 79.99, 433),
    Product("SFT-004", "Project Manager Plus", "software", 299.99, 312),
    Product("SFT-005", "Video Editor Pro", "software", 149.99, 319),
    Product("SFT-006", "Music Studio 2024", "software", 89.99, 321),
)

# Pages after home and products: the cart dominates, about and contact are rare.
EXTRA_PAGES = (("cart", 16017), ("about", 908), ("contact", 889))
REFERRERS = (f"{SITE}/home", f"{SITE}/products", "https://google.com")

DEVICE_SHARES = (("mobile", 5261), ("desktop", 2686), ("tablet", 857))

# The sample data pairs user agents with devices at random; the simulator pairs them
# plausibly (a phone's agent on a phone), which is the one deliberate difference.
USER_AGENTS = {
    "desktop": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/91.0.4472.124 Safari/537.36",
    ),
    "mobile": (
        "Mozilla/5.0 (Linux; Android 10; SM-G973F) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/91.0.4472.124 Mobile Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 14_6 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/14.0 Mobile/15E148 Safari/604.1",
    ),
    "tablet": (
        "Mozilla/5.0 (iPad; CPU OS 14_6 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/14.0 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 10; SM-T860) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/91.0.4472.124 Safari/537.36",
    ),
}

# Shape of a visit, from the sample: 0-4 pages after home+products (uniform),
# 0-3 cart additions (half the visits add nothing), and about half of the visits
# with a cart buy exactly what is in it.
EXTRA_PAGE_COUNTS = (0, 1, 2, 3, 4)
CART_ADD_COUNTS = ((0, 4296), (1, 1487), (2, 1551), (3, 1470))
PURCHASE_GIVEN_CART = 2213 / (2213 + 2295)
QUANTITIES = (1, 2, 3, 4, 5)
