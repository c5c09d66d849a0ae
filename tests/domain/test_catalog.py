"""Catalog as data: the seed's packages exactly, prices as configuration, bad files refused."""

from decimal import Decimal

import pytest

from packbill.domain.catalog import CatalogError, default_catalog_text, load_catalog, parse_catalog
from packbill.domain.days import Validity

SEED_AI = {
    "ai.pet": (20000, 2200, 250),
    "ai.vehicle": (20000, 2500, 300),
    "ai.plate": (410000, 60000, 10000),
    "ai.body": (17000, 2000, 200),
    "ai.keypoints": (17000, 2000, 200),
    "ai.face": (4000, 500, 50),
    "ai.tags": (20000, 2200, 250),
    "ai.kitchen": (20000, 2200, 250),
}
SEED_TRAFFIC = {"traffic.up": (15, 75, 150, 1500, 15000), "traffic.down": (50, 250, 500, 5000, 50000)}


def test_default_catalog_holds_the_seed_packages_exactly():
    catalog = load_catalog()
    assert len(catalog.packages) == 8 * 3 + 2 * 5
    for service, prices in SEED_AI.items():
        for (label, size), price in zip([("10m", 10_000_000), ("1m", 1_000_000), ("100k", 100_000)], prices, strict=False):
            item = catalog.sku(f"{service}.{label}")
            assert (item.service, item.size, item.price) == (service, size, Decimal(price))
            assert item.validity == Validity(12, 0)
    for service, prices in SEED_TRAFFIC.items():
        sizes = [("100gb", 100), ("500gb", 500), ("1tb", 1000), ("10tb", 10_000), ("100tb", 100_000)]
        for (label, gb), price in zip(sizes, prices, strict=False):
            item = catalog.sku(f"{service}.{label}")
            assert (item.size, item.price) == (gb * 10**9, Decimal(price))


def test_default_payg_prices_and_regions():
    catalog = load_catalog()
    flat = {s: p.flat_price for s, p in catalog.services.items()}
    assert flat["ai.plate"] == Decimal("0.1")
    assert flat["ai.face"] == Decimal("0.0005")
    assert flat["traffic.up"] == Decimal("0.15") and flat["traffic.down"] == Decimal("0.50")
    assert flat["bandwidth.up"] == Decimal("0.35") and flat["bandwidth.down"] == Decimal("0.70")
    assert catalog.is_mainland("ap-chengdu") and not catalog.is_mainland("ap-hongkong")
    assert sum(catalog.regions.values()) == 6 and len(catalog.regions) == 16


def test_operator_catalog_with_tiers_loads(tmp_path):
    text = default_catalog_text().replace(
        'id = "ai.face"\nname_zh = "人脸检测"\nname_en = "Face detection"\nunit = "call"\nprice = "0.0005"',
        'id = "ai.face"\nunit = "call"\ntiers = [{up_to = 10000, price = "0.001"}, {price = "0.0004"}]',
    )
    path = tmp_path / "mine.toml"
    path.write_text(text, "utf-8")
    face = load_catalog(path).price("ai.face")
    assert face.flat_price is None
    assert face.amount(20000) == Decimal("10000") * Decimal("0.001") + Decimal("10000") * Decimal("0.0004")


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ('sku = "ai.pet.10m"\nservice = "ai.pet"\nsize = 10000000\nprice = "20000"',
         'sku = "ai.pet.10m"\nservice = "ai.pet"\nsize = 10000000\nprice = "-1"', "package ai.pet.10m: field 'price'"),
        ('sku = "ai.pet.1m"\nservice = "ai.pet"\nsize = 1000000', 'sku = "ai.pet.1m"\nservice = "ai.pet"\nsize = "many"',
         "package ai.pet.1m: field 'size'"),
        ('sku = "ai.face.1m"\nservice = "ai.face"', 'sku = "ai.face.1m"\nservice = "ai.nope"', "package ai.face.1m: field 'service'"),
        ('sku = "ai.tags.1m"\nservice = "ai.tags"\nsize = 1000000\nprice = "2200"',
         'sku = "ai.tags.1m"\nservice = "ai.tags"\nsize = 1000000\nprice = "2200"\nvalidity = "1 year"',
         "package ai.tags.1m: field 'validity'"),
        ('id = "bandwidth.up"', 'id = "bandwidth.sideways"', "field 'id'"),
        ('price = "0.35"', 'tiers = [{up_to = 5, price = "0.4"}, {price = "0.3"}]', "service bandwidth.up: field 'tiers'"),
        ('sku = "ai.pet.100k"\nservice = "ai.pet"\nsize = 100000\nprice = "250"',
         'sku = "ai.pet.100k"\nservice = "ai.pet"\nsize = 100000\nprice = "250.001"', "package ai.pet.100k: field 'price'"),
    ],
)
def test_bad_catalog_names_entry_and_field(old, new, expected):
    text = default_catalog_text()
    assert old in text
    with pytest.raises(CatalogError, match=expected.replace(".", r"\.")):
        parse_catalog(text.replace(old, new, 1))


def test_bad_toml_is_refused():
    with pytest.raises(CatalogError, match="not valid TOML"):
        parse_catalog("[[package]\n")


def test_tiers_must_rise():
    text = default_catalog_text().replace('price = "0.0005"', 'tiers = [{up_to = 10, price = "1"}, {up_to = 5, price = "1"}, {price = "0"}]')
    with pytest.raises(CatalogError, match="tiers must rise"):
        parse_catalog(text)
