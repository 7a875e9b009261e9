"""`livecommerce simulate SHOW` against a real `serve`, restarted in the middle of the show.

The simulator runs as a process of its own, like a user's; the server is stopped
(SIGTERM) while viewers talk and started again on the same port and data folder. What
the simulator was told was kept is then counted against the server and its store: every
acknowledged message (not deleted by a moderator) is in the chat export, every mention of
an acknowledged line is logged with its message, every order the shop got 201 for is
stored and counted in the report; the transcript and pin mentions it counted are there.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from livecommerce.app import open_store
from livecommerce.core.models import MentionSource
from tests.conftest import SEEDS
from tests.helpers.cli import invoke, one_line_error
from tests.helpers.ports import refused_port
from tests.helpers.serve import Serving, environment, group

SHOW = "khorgos-it-2026-11-20"
SHOP = "sim-shop"
SHOP_SECRET = "a-secret-of-the-simulated-shop-42"
WAIT = 90.0


def settings_env(data: Path, **more: str) -> dict[str, str]:
    return {
        "LIVECOMMERCE_DATA_DIR": str(data),
        "LIVECOMMERCE_SEEDS_DIR": str(SEEDS),
        "LIVECOMMERCE_SHOP_SECRETS": f"{SHOP}={SHOP_SECRET}",
        **more,
    }


async def get(server: Serving, path: str) -> Any:
    async with aiohttp.ClientSession() as session, session.get(server.url(path)) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def simulator(env: dict[str, str], base: str, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "livecommerce",
        "simulate",
        SHOW,
        "--url",
        base,
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environment(env),
    )


async def simulated_messages(server: Serving) -> int:
    chat = await get(server, f"/api/streams/{SHOW}/chat")
    return sum(1 for m in chat["messages"] if m["user"].startswith("u-sim-"))


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
async def test_a_restart_mid_show_loses_no_acknowledged_message_mention_or_order(
    tmp_path: Path, stop: signal.Signals
) -> None:
    data = tmp_path / "var"
    env = settings_env(data)
    async with group() as servers:
        first = await servers.serving(env, "--port", "0")
        port = str(urlsplit(first.base).port)
        before = (await get(first, f"/api/streams/{SHOW}/report"))["totals"]["orders"]
        since = datetime.now(UTC) - timedelta(seconds=1)
        started = await simulator(
            env,
            first.base,
            "--minutes",
            "10",
            "--speed",
            "80",
            "--viewers",
            "9",
            "--seed",
            "3",
            "--json",
        )
        # The show is under way: the simulator's lines are coming in. Stop the server.
        async with asyncio.timeout(WAIT):
            while await simulated_messages(first) < 12:  # noqa: ASYNC110 - another process
                await asyncio.sleep(0.1)
        assert await first.stop(stop) in (0, -signal.SIGKILL)
        second = await servers.serving(env, "--port", port)
        out, err = await asyncio.wait_for(started.communicate(), WAIT)
        assert started.returncode == 0, err.decode()
        result = json.loads(out)
        ledger = result["ledger"]

        # Everyone came back, and what was not answered went out again.
        assert result["reconnects"] >= 1 + 6 + 9  # the streamer, the moderators, the viewers
        assert result["unconfirmed"] == 0
        assert result["sent"] > 12
        assert result["acknowledged"] == len(ledger["acknowledged"])
        assert result["report"] == f"{first.base}/streams/{SHOW}/report"

        # Every acknowledged message, but those a moderator deleted, is in the chat.
        chat = await get(second, f"/api/streams/{SHOW}/chat")
        exported = {m["id"] for m in chat["messages"]}
        kept = set(ledger["acknowledged"]) - set(ledger["deleted"])
        assert kept
        assert kept <= exported, sorted(kept - exported)

        # Every order the shop was told was accepted is counted in the report.
        after = (await get(second, f"/api/streams/{SHOW}/report"))["totals"]["orders"]
        assert after == before + result["orders"]["accepted"]
        assert result["orders"]["refused"] == 0
        assert await second.stop(signal.SIGTERM) == 0

    store = open_store(f"sqlite:///{data / 'livecommerce.db'}")
    await store.start()
    try:
        stored = await store.orders_by_id(ledger["orders"])
        mentions = await store.mentions(SHOW)
    finally:
        await store.close()
    assert sorted(stored) == sorted(ledger["orders"])
    assert all(order.show_ref == "KIT1120" for order in stored.values())
    # Every mention of an acknowledged line is logged with its message.
    logged = {(m.message_id, m.sku) for m in mentions if m.message_id is not None}
    caused = {(int(i), sku) for i, skus in ledger["chat_mentions"].items() for sku in skus}
    assert caused <= logged, sorted(caused - logged)
    assert len(caused) == result["mentions"]["chat"]
    # And the streamer's: each pin and transcript mention the server answered is kept
    # (a request tried again after the restart may have been kept twice).
    simulated = [m for m in mentions if m.ts >= since]
    sources = Counter(m.source for m in simulated)
    assert sources[MentionSource.TRANSCRIPT] >= result["mentions"]["transcript"] > 0
    assert sources[MentionSource.PIN] >= result["mentions"]["pins"] > 0


async def test_a_show_whose_chat_is_closed_is_one_line(tmp_path: Path) -> None:
    """With opening hours on, the finished demo show takes no chat: say so, and how."""
    env = settings_env(tmp_path / "var", LIVECOMMERCE_CHAT_OPENING_HOURS="true")
    async with group() as servers:
        server = await servers.serving(env, "--port", "0")
        started = await simulator(env, server.base, "--minutes", "2", "--viewers", "1")
        _out, err = await asyncio.wait_for(started.communicate(), WAIT)
    lines = [line for line in err.decode().splitlines() if line.startswith("livecommerce:")]
    assert started.returncode == 2, err.decode()
    assert len(lines) == 1
    assert "Traceback" not in err.decode()
    assert f"the chat of show {SHOW} is not open now" in lines[0]
    assert "--set chat_opening_hours false" in lines[0]


BAD = [
    (["--speed", "0"], "--speed"),
    (["--minutes", "0"], "--minutes"),
    (["--viewers", "41"], "--viewers"),
    (["--url", "ftp://example.org"], "--url"),
    (["--url", "http://127.0.0.1:99999"], "--url"),
]


@pytest.mark.parametrize(("args", "named"), BAD, ids=[a[0] + a[1] for a, _ in BAD])
def test_bad_flags_are_one_line(tmp_path: Path, args: list[str], named: str) -> None:
    env = settings_env(tmp_path / "var")
    result = invoke("simulate", SHOW, *args, env=env)
    assert result.returncode == 2
    assert named in one_line_error(result)


def test_without_a_shop_secret_it_says_how_to_set_one(tmp_path: Path) -> None:
    result = invoke("simulate", SHOW, env={"LIVECOMMERCE_DATA_DIR": str(tmp_path / "var")})
    assert result.returncode == 2
    line = one_line_error(result)
    assert "no shop secret is set" in line
    assert "--set shop_secrets" in line


def test_an_unknown_shop_names_the_known_ones(tmp_path: Path) -> None:
    result = invoke("simulate", SHOW, "--shop", "nope", env=settings_env(tmp_path / "var"))
    assert result.returncode == 2
    assert one_line_error(result).endswith(
        f"there is no secret for shop nope in shop_secrets; the shops are {SHOP}"
    )


def test_an_unknown_show_and_a_server_not_running_are_one_line(tmp_path: Path) -> None:
    env = settings_env(tmp_path / "var")
    assert invoke("seed", env=env).returncode == 0
    unknown = invoke("simulate", "no-such-show", env=env)
    assert unknown.returncode == 6
    assert "there is no show no-such-show" in one_line_error(unknown)
    nobody = f"http://127.0.0.1:{refused_port()}"
    down = invoke("simulate", SHOW, "--url", nobody, env=env)
    assert down.returncode == 6
    assert f"cannot reach the server at {nobody}" in one_line_error(down)
