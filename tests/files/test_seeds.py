"""The demo world: complete in seven languages, checked on load, loaded idempotently."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from livecommerce.core.models import HourRange, ShowStatus
from livecommerce.errors import SeedError
from livecommerce.files import seeds
from livecommerce.store import SqlStore
from tests.conftest import SEEDS

LANGS = {"kk", "ru", "zh", "ug", "ky", "uz", "en"}


@pytest.fixture(scope="module")
def world() -> seeds.World:
    return seeds.read(SEEDS)


def test_markets_as_the_design_names_them(world: seeds.World) -> None:
    markets = {m.code: m for m in world.markets}
    expected = {
        "KZ": (("Asia/Almaty",), {"kk", "ru"}, "KZT"),
        "UZ": (("Asia/Tashkent",), {"uz", "ru"}, "UZS"),
        "KG": (("Asia/Bishkek",), {"ky", "ru"}, "KGS"),
        "RU": (("Europe/Moscow",), {"ru"}, "RUB"),
        "EU": (("Europe/Warsaw", "Europe/Berlin"), {"en", "ru"}, "EUR"),
        "CN": (("Asia/Shanghai",), {"zh"}, "CNY"),
        "XJ": (("Asia/Urumqi",), {"ug", "zh"}, "CNY"),
    }
    assert {
        code: (m.zones, set(m.languages), m.currency) for code, m in markets.items()
    } == expected
    assert abs(sum(m.weight for m in world.markets) - 1.0) < 1e-6
    assert all(m.peak_hours for m in world.markets)
    assert all(set(m.names) == LANGS for m in world.markets)


def test_streamers(world: seeds.World) -> None:
    zones = {s.id: s.zone for s in world.streamers}
    assert zones == {
        "khorgos-it": "Asia/Urumqi",
        "jiangxi-kitchen": "Asia/Shanghai",
        "zhejiang-bedding": "Asia/Shanghai",
    }


def test_products_are_named_and_priced_for_every_market(world: seeds.World) -> None:
    assert len(world.products) >= 40
    categories = {p.category for p in world.products}
    assert categories == {"it", "sinks", "door-hardware", "kitchen", "bedding"}
    currencies = {m.currency for m in world.markets}
    for product in world.products:
        assert set(product.names) == LANGS, product.sku
        assert set(product.aliases) == LANGS, product.sku
        assert all(product.aliases[lang] for lang in LANGS), product.sku
        assert currencies <= set(product.prices), product.sku
        assert all(price > 0 for price in product.prices.values())


def test_one_finished_show_with_chat_mentions_and_orders(world: seeds.World) -> None:
    finished = [s for s in world.shows if s.status is ShowStatus.FINISHED]
    assert len(finished) == 1
    show = finished[0]
    chat = [m for m in world.chat if m.show_id == show.id]
    assert len({m.lang for m in chat}) >= 4
    assert all(show.starts_at <= m.ts <= show.ends_at for m in chat)
    ids = [m.id for m in chat]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    mentions = [m for m in world.mentions if m.show_id == show.id]
    assert {m.source.value for m in mentions} >= {"pin", "chat"}
    chat_ids = set(ids)
    assert all(m.message_id in chat_ids for m in mentions if m.source.value == "chat")
    assert any(o.show_ref == show.code for o in world.orders)


def test_order_prices_are_the_catalog_prices(world: seeds.World) -> None:
    prices = {p.sku: p.prices for p in world.products}
    for order in world.orders:
        assert order.unit_price == prices[order.sku][order.currency], order.id


async def _dump(store: SqlStore) -> tuple[object, ...]:
    return (
        await store.markets(),
        await store.streamers(),
        await store.products(),
        await store.shows(),
        await store.exchange_rates("CNY"),
        await store.orders(),
        [await store.chat_messages(s.id, limit=10_000) for s in await store.shows()],
        [await store.mentions(s.id) for s in await store.shows()],
        await store.counts(),
    )


async def test_loading_twice_changes_nothing(store: SqlStore) -> None:
    """On SQLite and PostgreSQL alike."""
    await seeds.load(store, SEEDS)
    first = await _dump(store)
    await seeds.load(store, SEEDS)
    assert await _dump(store) == first
    counts = await store.counts()
    assert counts["products"] >= 40
    assert counts["mentions"] > 0


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    return folder


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "reason"),
    [
        ("markets.toml", '"Asia/Almaty"', '"Asia/Almat"', "is not an IANA time zone"),
        ("markets.toml", 'currency = "KZT"', 'currency = "tenge"', "is not a three-letter code"),
        ("streamers.toml", '"Asia/Urumqi"', '"Mars/Olympus"', "is not an IANA time zone"),
        ("shows.toml", 'status = "finished"', 'status = "maybe"', "is not one of"),
        ("shows.toml", "2026-11-20T13:00:00Z", "2026-11-20T13:00:00", "with a UTC offset"),
        # No UTC time exists for these: one line, not an OverflowError.
        ("shows.toml", "2026-11-20T13:00:00Z", "0001-01-01T00:00:00+14:00", "1970 to 2099"),
        ("shows.toml", "2026-11-20T13:00:00Z", "9999-12-31T23:59:59-14:00", "1970 to 2099"),
        ("products.toml", 'sku = "IT-LAP-14"', "sku = 14", "sku must be non-empty text"),
        ("products.toml", 'streamer = "khorgos-it"', 'streamer = "nobody"', "unknown streamer"),
    ],
)
def test_broken_seed_files_name_the_file_and_record(
    broken: Path, file: str, old: str, new: str, reason: str
) -> None:
    _replace(broken / file, old, new)
    with pytest.raises(SeedError) as caught:
        seeds.read(broken)
    message = caught.value.message()
    assert file in message
    assert reason in message


def test_broken_csv_row_names_its_line(broken: Path) -> None:
    rates = broken / "exchange_rates.csv"
    lines = rates.read_text(encoding="utf-8").splitlines()
    lines[3] = "2026-13-45,CNY,KZT,0.014"
    rates.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SeedError, match=r"exchange_rates\.csv, line 4: date '2026-13-45'"):
        seeds.read(broken)


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe\x00garbage", b"id,ts\n", b"", b'"unterminated\n' * 3],
)
def test_hostile_orders_file(broken: Path, content: bytes) -> None:
    (broken / "orders.csv").write_bytes(content)
    with pytest.raises(SeedError, match=r"orders\.csv"):
        seeds.read(broken)


def test_invalid_toml(broken: Path) -> None:
    (broken / "markets.toml").write_text("[[market]\ncode=", encoding="utf-8")
    with pytest.raises(SeedError, match=r"markets\.toml"):
        seeds.read(broken)


def test_missing_file(broken: Path) -> None:
    (broken / "products.toml").unlink()
    with pytest.raises(SeedError, match=r"products\.toml, -: there is no such file"):
        seeds.read(broken)


# -- moderators.toml ------------------------------------------------------------------------


def test_demo_moderators_cover_every_language_with_gaps(world: seeds.World) -> None:
    names = [m.name for m in world.moderators]
    assert len(names) == len(set(names)) >= 5
    assert {lang for m in world.moderators for lang in m.languages} == LANGS
    dilnoza = next(m for m in world.moderators if m.name == "Dilnoza")
    assert dilnoza.zone == "Asia/Tashkent"
    assert dilnoza.languages == ("uz", "ru")
    # Per weekday: Monday 09–18, Saturday 15–23.
    assert isinstance(dilnoza.hours, dict)
    assert dilnoza.hours[0] == (HourRange(9, 18),)
    assert dilnoza.hours[5] == (HourRange(15, 23),)
    aigerim = next(m for m in world.moderators if m.name == "Aigerim")
    assert aigerim.hours == (HourRange(17, 24),)


def test_a_seeds_folder_without_moderators_has_none(broken: Path) -> None:
    (broken / "moderators.toml").unlink()
    assert seeds.moderators_in(broken) is None
    assert seeds.read(broken).moderators == []


MODERATOR = """
[[moderator]]
name = "Aigerim"
zone = "Asia/Almaty"
languages = ["kk", "ru"]
hours = [[18, 24]]
"""


@pytest.mark.parametrize(
    ("old", "new", "where", "reason"),
    [
        ('zone = "Asia/Almaty"', 'zone = "Asia/Almat"', "#2 (Aigerim), zone", "IANA time zone"),
        ('zone = "Asia/Almaty"', "zone = 5", "#2 (Aigerim), zone", "is not an IANA time zone"),
        ('zone = "Asia/Almaty"', "", "#2 (Aigerim), zone", "missing field"),
        ('["kk", "ru"]', '["kk", "fr"]', "#2 (Aigerim), languages", "language 'fr' is not"),
        ('["kk", "ru"]', "[]", "#2 (Aigerim), languages", "at least one language"),
        ('["kk", "ru"]', '["kk", "kk"]', "#2 (Aigerim), languages", "each once"),
        ('["kk", "ru"]', '"kk"', "#2 (Aigerim), languages", "must be a list"),
        ("[[18, 24]]", "[[18, 25]]", "#2 (Aigerim), hours", "from 0 to 24"),
        ("[[18, 24]]", "[[24, 2]]", "#2 (Aigerim), hours", "a shift starts at 0 to 23"),
        ("[[18, 24]]", "[[18, 18]]", "#2 (Aigerim), hours", "ends at another hour"),
        ("[[18, 24]]", "[[true, 20]]", "#2 (Aigerim), hours", "from 0 to 24"),
        ("[[18, 24]]", '"evenings"', "#2 (Aigerim), hours", "must be a list"),
        ("[[18, 24]]", "[]", "#2 (Aigerim), hours", "at least one"),
        ("[[18, 24]]", "{ mon = [[18, 24]], fun = [[1, 2]] }", "#2 (Aigerim), hours", "'fun'"),
        ("[[18, 24]]", "{ mon = [] }", "#2 (Aigerim), hours", "at least one"),
        (
            "hours = [[18, 24]]",
            'hours = [[18, 24]]\nemail = "a@b"',
            "#2 (Aigerim), email",
            "unknown field",
        ),
        ('name = "Aigerim"', 'name = ""', "#2, name", "non-empty text"),
        ('name = "Aigerim"', 'name = "Oleg"', "#2 (Oleg), name", "the same name as"),
        ('name = "Aigerim"', 'name = "Ai\\ngerim"', "#2, name", "one line of printable"),
    ],
)
def test_broken_moderators_name_the_file_entry_and_field(
    tmp_path: Path, old: str, new: str, where: str, reason: str
) -> None:
    path = tmp_path / "moderators.toml"
    first = MODERATOR.replace("Aigerim", "Oleg").replace("Asia/Almaty", "Europe/Moscow")
    second = MODERATOR.replace(old, new, 1)
    assert second != MODERATOR
    path.write_text(first + second, encoding="utf-8")
    with pytest.raises(SeedError) as caught:
        seeds.read_moderators(path)
    message = caught.value.message()
    assert message.startswith(f"seed file {path}, [[moderator]] {where}: "), message
    assert reason in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"[[moderator]\nname=", "moderators.toml, -:"),
        (b"\xff\xfe garbage", "moderators.toml, -:"),
        (b"moderator = 5", "[[moderator]] must be an array of tables"),
        (b"[moderator]\nname = 'x'", "[[moderator]] must be an array of tables"),
        (b"moderator = [1, 2]", "[[moderator]] #1: each [[moderator]] must be a table"),
    ],
)
def test_hostile_moderators_file(broken: Path, content: bytes, reason: str) -> None:
    (broken / "moderators.toml").write_bytes(content)
    with pytest.raises(SeedError) as caught:
        seeds.read(broken)
    assert reason in caught.value.message()


def test_a_folder_named_moderators_is_one_clear_error(broken: Path) -> None:
    (broken / "moderators.toml").unlink()
    (broken / "moderators.toml").mkdir()
    with pytest.raises(SeedError, match=r"moderators\.toml, -: "):
        seeds.read(broken)
