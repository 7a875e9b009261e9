"""The held queue over a real server: a flood stays bounded, each eviction is counted
and logged, and a joining moderator gets one page and the total (issue 11, item 3)."""

from __future__ import annotations

from livecommerce.config import Settings
from livecommerce.store import SqlStore
from tests.helpers.chat import (
    Client,
    audit_actions,
    get_text,
    make_token,
    moderator,
    running,
)

FLOOD = 60  # held messages: 4 writers × 15
WRITERS = 4


async def test_a_flood_of_held_messages_stays_bounded_and_a_moderator_gets_one_page(
    settings: Settings, seeded_store: SqlStore
) -> None:
    async with running(
        settings,
        seeded_store,
        held_max=25,
        held_per_sender=10,
        held_page=7,
        chat_burst=1000,
        chat_rate=1000.0,
    ) as server:
        writers = [
            await Client.open(
                server, token=make_token(server, f"u-flood-{n}", "viewer", ["kk"]), lang="kk"
            )
            for n in range(WRITERS)
        ]
        acks = []
        for i in range(FLOOD // WRITERS):
            for writer in writers:
                acks.append(await writer.say(f"арзан shop-deals.kz/{i}"))
        assert {a["status"] for a in acks} == {"held"}
        held_ids = [a["id"] for a in acks]

        late = await moderator(server, "mod-late", "kk")
        page = [await late.recv_until("held") for _ in range(7)]
        summary = await late.recv_until("held_page")
        # the newest 7 of the 25 kept, oldest first, then the total: not the whole flood
        assert [f["id"] for f in page] == held_ids[-7:]
        assert summary == {"type": "held_page", "total": 25, "more": True, "oldest": held_ids[-7]}
        await late.assert_silent(ignore=("notice", "presence", "product"))

        # paging back reaches exactly what is kept: the newest 25
        seen = [f["id"] for f in page]
        before = summary["oldest"]
        while True:
            await late.send({"type": "held_page", "before": before, "ref": "p"})
            older = await late.recv_until("held_page", ref="p")
            seen = [item["id"] for item in older["items"]] + seen
            if not older["more"]:
                break
            before = older["oldest"]
        assert seen == held_ids[-25:]

        evicted = FLOOD - 25
        metrics = (await get_text(server, "/metrics")).splitlines()
        assert f"livecommerce_chat_held_evicted_total {float(evicted)}" in metrics
        log = [row for row in await audit_actions(server) if row["action"] == "evict"]
        assert sorted(row["message_id"] for row in log) == held_ids[:evicted]
        for client in (*writers, late):
            await client.close()


async def test_a_viewer_may_not_page_the_held_queue(
    settings: Settings, seeded_store: SqlStore
) -> None:
    async with running(settings, seeded_store) as server:
        viewer = await Client.open(
            server, token=make_token(server, "u-curious", "viewer", ["kk"]), lang="kk"
        )
        await viewer.send({"type": "held_page", "ref": "peek"})
        refused = await viewer.recv_until("error", ref="peek")
        assert refused["code"] == "forbidden"
        await viewer.close()
