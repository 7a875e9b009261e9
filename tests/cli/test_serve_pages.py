"""What `serve` prints once it listens: every page a user needs, in the user's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from livecommerce.cli.serve import pages
from livecommerce.core.models import Show, ShowStatus
from livecommerce.i18n import localizer

BASE = "http://127.0.0.1:8080"
NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def show(name: str, starts_in: timedelta) -> Show:
    starts = NOW + starts_in
    return Show(
        name, name.upper(), "khorgos-it", starts, starts + timedelta(hours=1), ("KZ",),
        ("kk", "ru"), ShowStatus.SCHEDULED,
    )  # fmt: skip


def test_the_next_show_gets_chat_and_moderation_the_last_one_its_report() -> None:
    shows = [show("old", -timedelta(days=2)), show("past", -timedelta(days=1))]
    shows += [show("next", timedelta(hours=3)), show("later", timedelta(days=2))]
    lines = "\n".join(pages(localizer("en"), BASE, shows, NOW))
    assert f"{BASE}/streams/next/chat" in lines
    assert f"{BASE}/streams/next/moderate" in lines
    assert f"{BASE}/streams/past/report" in lines
    assert "later" not in lines
    assert "/streams/old/" not in lines
    assert "--role moderator --name NAME --langs kk,ru --stream next" in lines


def test_a_live_show_counts_as_the_next_one() -> None:
    lines = "\n".join(pages(localizer("en"), BASE, [show("live", -timedelta(minutes=10))], NOW))
    assert f"{BASE}/streams/live/chat" in lines
    assert "/report" not in lines


def test_without_shows_only_the_site_pages() -> None:
    lines = pages(localizer("en"), BASE, [], NOW)
    assert [line.split()[-1] for line in lines] == [
        f"{BASE}/",
        f"{BASE}/plan",
        f"{BASE}/healthz",
        f"{BASE}/metrics",
        f"{BASE}/api/streams",
    ]


def test_labels_speak_the_users_language() -> None:
    lines = "\n".join(pages(localizer("ru"), BASE, [show("past", -timedelta(days=1))], NOW))
    assert "Отчёт по эфиру past" in lines
    assert "Состояние" in lines
