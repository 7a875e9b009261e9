"""Server frames -> lines: plain tables, no network, in the readers' languages and zones."""

from __future__ import annotations

from typing import Any

import pytest

from livecommerce.cli.chat.rendering import clean, render
from livecommerce.i18n import Localizer
from tests.cli.chat.conftest import CHINESE, EN, FSI, PDI, STREAM, UYGHUR, chat_frame

ALMATY = Localizer("kk", "Asia/Almaty")


@pytest.mark.parametrize(
    ("frame", "l10n", "expected"),
    [
        (chat_frame(), ALMATY, "#41 18:05 [ru] Айгерим (көрермен): Сколько стоит ноутбук?"),
        (chat_frame(), Localizer("ru", "Europe/Moscow"), "#41 16:05 [ru] Айгерим (зритель): "),
        (chat_frame(), Localizer("en", "Europe/Berlin"), "#41 2:05\u202fPM [ru] "),
        (
            chat_frame(
                lang="zh", text=CHINESE, user={"id": "m", "name": "李娜", "role": "moderator"}
            ),
            Localizer("zh_Hans", "Asia/Shanghai"),
            f"#41 21:05 [zh] 李娜 (管理员): {CHINESE}",
        ),
        (
            chat_frame(
                lang="ug", text=UYGHUR, user={"id": "u", "name": "ئەخمەت", "role": "viewer"}
            ),
            Localizer("ug", "Asia/Urumqi"),
            f"#41 19:05 [ug] {FSI}ئەخمەت{PDI} (كۆرۈرمەن): {FSI}{UYGHUR}{PDI}",
        ),
        (chat_frame(reply_to=40), ALMATY, "(көрермен) ↩#40: "),
        (chat_frame(declared_lang="kk"), ALMATY, "[ru←kk]"),
        (chat_frame(broadcast=True), ALMATY, "[ru→*]"),
        (chat_frame(mentions=["IT-LAP-14"]), ALMATY, "ноутбук? [IT-LAP-14]"),
        (chat_frame(fallback=True), ALMATY, "(резерв: бұл тілді ешкім модерацияламайды)"),
        (chat_frame(text="две\nстроки\x1b[2J"), ALMATY, ": две ↵ строки[2J"),
        (chat_frame(text="\u202eevil"), ALMATY, ": evil"),
        (
            {
                "type": "held",
                "id": 42,
                "lang": "kk",
                "text": "http://spam.example",
                "user": {"id": "g-2", "name": "guest-2", "role": "viewer"},
                "ts": "2026-11-20T13:06:00Z",
                "reasons": ["link", "blocked_term"],
            },
            EN,
            "#42 1:06\u202fPM [kk] guest-2 (viewer): http://spam.example — held: a link and a "
            "blocked word  /approve 42 · /reject 42",
        ),
        (
            {
                "type": "hello",
                "v": 1,
                "you": {"id": "u-a", "name": "Asel", "role": "moderator"},
                "stream": {"id": STREAM, "languages": ["kk", "ru", "ug"]},
                "langs": ["kk", "ru"],
                "moderates": ["kk"],
                "last_id": 40,
                "recovered": True,
                "slow": {},
            },
            EN,
            f"Connected to {STREAM} as Asel (moderator). Reading: kk, ru. Moderating: kk. "
            "Stream languages: kk, ru, ug.",
        ),
        (
            {"type": "hello", "you": {}, "stream": {}, "langs": ["ru"], "recovered": False},
            EN,
            "Some earlier messages are too old to be replayed.",
        ),
        ({"type": "subscribed", "langs": ["ug", "zh"], "moderates": []}, EN, "Reading: ug, zh."),
        ({"type": "ack", "id": 43, "status": "sent", "ref": "c1"}, EN, "Sent as #43."),
        ({"type": "ack", "id": 43, "status": "held"}, EN, "held for review (#43)"),
        ({"type": "ack", "id": 43, "status": "rejected"}, EN, "#43 was rejected"),
        ({"type": "ack", "id": 44, "held_id": 43, "status": "sent"}, EN, "#43 was approved and"),
        ({"type": "resolved", "id": 43, "action": "approve"}, EN, "Held message #43 was approved."),
        ({"type": "resolved", "id": 43, "action": "reject"}, EN, "Held message #43 was rejected."),
        (
            {"type": "resolved", "id": 43, "action": "evicted"},
            EN,
            "Held message #43 was dropped: the held queue is full.",
        ),
        (
            {"type": "held_page", "total": 1250, "more": True, "oldest": 9},
            EN,
            "Held for review in all: 1,250",
        ),
        ({"type": "deleted", "id": 41}, EN, "Message #41 was deleted."),
        (
            {
                "type": "notice",
                "code": "slow_mode",
                "message": "Медленный режим: 30 с",
                "lang": "kk",
            },
            EN,
            "[kk] • Медленный режим: 30 с",
        ),
        (
            {
                "type": "error",
                "code": "forbidden",
                "message": "Вам нельзя это делать.",
                "ref": "c2",
            },
            EN,
            "✗ Вам нельзя это делать. (forbidden)",
        ),
        (
            {
                "type": "presence",
                "viewers": {"kk": 1200, "ru": 3},
                "moderators": {"kk": 1, "ru": 0},
                "uncovered": ["ru"],
            },
            Localizer("ru"),
            "Зрителей: kk 1\xa0200 · ru 3. Модераторов: kk 1 · ru 0. Без модератора: ru.",
        ),
        (
            {
                "type": "product",
                "action": "pin",
                "sku": "IT-LAP-14",
                "lang": "kk",
                "name": "Ноутбук 14",
                "prices": [{"currency": "KZT", "amount": "189000", "display": "189\xa0000\xa0₸"}],
            },
            EN,
            "[kk] Pinned: Ноутбук 14 (IT-LAP-14) — 189\xa0000\xa0₸",
        ),
        (
            {
                "type": "product",
                "action": "pin",
                "sku": "IT-LAP-14",
                "lang": "ug",
                "name": "خاتىرە كومپيۇتېر",
                "prices": [{"currency": "CNY", "amount": "2899", "display": "¥2,899.00"}],
            },
            EN,
            f"[ug] Pinned: {FSI}خاتىرە كومپيۇتېر{PDI} (IT-LAP-14) — ¥2,899.00",
        ),
        (
            {
                "type": "product",
                "action": "unpin",
                "sku": "IT-LAP-14",
                "lang": "zh",
                "name": "笔记本",
            },
            EN,
            "[zh] Unpinned: 笔记本 (IT-LAP-14)",
        ),
        ({"type": "future", "x": 1}, EN, '{"type": "future", "x": 1}'),
    ],
)
def test_frames_render_as_one_readable_line(
    frame: dict[str, Any], l10n: Localizer, expected: str
) -> None:
    line = render(frame, l10n).plain
    assert expected in line
    assert "\n" not in line
    assert "\x1b" not in line


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ({"action": "delete", "id": 41}, "Asel deleted message 41."),
        ({"action": "approve", "id": 42}, "Asel approved held message 42."),
        ({"action": "reject", "id": 42}, "Asel rejected held message 42."),
        ({"action": "timeout", "user": "bob", "seconds": 1}, "Asel timed out bob for 1 second."),
        ({"action": "timeout", "user": "bob", "seconds": 90}, "Asel timed out bob for 90 seconds."),
        ({"action": "ban", "user": "bob"}, "Asel banned bob."),
        ({"action": "unban", "user": "bob"}, "Asel lifted the ban and timeout of bob."),
        ({"action": "slow", "lang": "kk", "seconds": 30}, "slow mode in kk: one message every 30"),
        ({"action": "slow", "lang": "kk", "seconds": 0}, "Asel turned slow mode off in kk."),
        ({"action": "move", "id": 41, "lang": "uz", "from": "kk"}, "Asel moved message 41 to uz."),
        ({"action": "purge"}, "Asel: purge"),
    ],
)
def test_moderation_events_render(frame: dict[str, Any], expected: str) -> None:
    full = {"type": "mod", "by": {"id": "u-asel", "name": "Asel"}, **frame}
    assert expected in render(full, EN).plain


def test_errors_and_notices_are_coloured() -> None:
    error = render({"type": "error", "code": "x", "message": "bad"}, EN)
    notice = render({"type": "notice", "code": "x", "message": "hm"}, EN)
    assert "red" in str(error.style)
    assert "yellow" in str(notice.style)


def test_clean_keeps_scripts_and_drops_controls() -> None:
    assert clean(f"{UYGHUR}\t{CHINESE}\r\nok\x07") == f"{UYGHUR} {CHINESE} ↵ ok"


STAFF_CHAT = {
    "type": "chat",
    "id": 12,
    "lang": "kk",
    "text": "ساتىلىمى؟",
    "user": {"id": "g-1", "name": "Dana", "role": "viewer"},
    "ts": "2026-11-20T12:00:00Z",
    "script": "Arab",
    "lang_unsure": True,
}


def test_staff_see_the_script_and_an_unsure_language_with_the_move_command() -> None:
    line = render(STAFF_CHAT, EN).plain
    assert "[kk Arab] " in line
    assert "(language unsure)" in line
    assert line.endswith("/move 12 LANG")
    assert "(язык не определён)" in render(STAFF_CHAT, Localizer("ru")).plain


def test_a_placed_message_shows_its_script_only() -> None:
    line = render({**STAFF_CHAT, "lang_unsure": False, "script": "Cyrl"}, EN).plain
    assert "[kk Cyrl] " in line
    assert "unsure" not in line
    assert "/move" not in line


def test_a_moved_message_is_said_in_the_readers_language() -> None:
    frame = {"type": "moved", "id": 12, "lang": "uz", "from": "kk"}
    assert render(frame, EN).plain == "Message #12 was moved to uz."


@pytest.mark.parametrize(
    ("l10n", "expected"),
    [
        (Localizer("ru", "Asia/Almaty"), "Часовой пояс: время Алматы."),
        (Localizer("zh_Hans", "Asia/Urumqi"), "时区：北京时间 / 新疆时间。"),
        (Localizer("ug", "Asia/Tashkent"), "ۋاقىت رايونى: تاشكەنت ۋاقتى."),
    ],
)
def test_hello_names_the_zone_of_the_times_that_follow(l10n: Localizer, expected: str) -> None:
    hello = {"type": "hello", "you": {}, "stream": {}, "langs": ["ru"]}
    assert render(hello, l10n).plain.endswith(expected)
