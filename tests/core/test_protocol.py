"""Client frames of the chat wire protocol (v1): what parses, and how bad input fails."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livecommerce.core.protocol import (
    Chat,
    Command,
    FrameError,
    Limits,
    Moderate,
    Pin,
    Restrict,
    Slow,
    Subscribe,
    parse,
)


def frame(**fields: Any) -> str:
    return json.dumps(fields)


# -- every frame type ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "command"),
    [
        (frame(type="chat", text="Сәлем!"), Chat("Сәлем!")),
        (frame(type="chat", text="  你好  "), Chat("你好")),
        (frame(type="chat", text="line\nnext\ttab"), Chat("line\nnext\ttab")),
        (frame(type="chat", text="hi", lang="KK"), Chat("hi", lang="kk")),
        (frame(type="chat", text="hi", lang="zh-Hans"), Chat("hi", lang="zh-hans")),
        (frame(type="chat", text="hi", lang=None), Chat("hi")),
        (frame(type="chat", text="hi", ref="r1"), Chat("hi", ref="r1")),
        (frame(type="chat", text="hi", ref=7), Chat("hi", ref="7")),
        (frame(type="chat", text="hi", reply_to=42), Chat("hi", reply_to=42)),
        (frame(type="chat", text="hi", reply_to=2**53), Chat("hi", reply_to=2**53)),
        (
            frame(type="chat", texts={"kk": "Сәлем", "RU": "Привет"}),
            Chat("", texts={"kk": "Сәлем", "ru": "Привет"}),
        ),
        (frame(type="subscribe", langs=["kk", "ru"]), Subscribe(("kk", "ru"))),
        (frame(type="subscribe", langs=["kk", "KK", "ru"]), Subscribe(("kk", "ru"))),
        (frame(type="subscribe", langs=["ug"], ref="s"), Subscribe(("ug",), "s")),
        (frame(type="delete", id=1), Moderate("delete", 1)),
        (frame(type="approve", id=9, ref="a"), Moderate("approve", 9, "a")),
        (frame(type="reject", id=2**53), Moderate("reject", 2**53)),
        (frame(type="timeout", user="u1", seconds=60), Restrict("timeout", "u1", 60)),
        (frame(type="ban", user=" u1 "), Restrict("ban", "u1")),
        (frame(type="ban", user="u1", seconds=60), Restrict("ban", "u1")),
        (frame(type="unban", user="u1", ref="x"), Restrict("unban", "u1", ref="x")),
        (frame(type="slow", lang="kk", seconds=30), Slow("kk", 30)),
        (frame(type="slow", lang="ru", seconds=0), Slow("ru", 0)),
        (frame(type="pin", sku="SINK-01"), Pin("pin", "SINK-01")),
        (frame(type="unpin", sku="SINK-01", ref="p"), Pin("unpin", "SINK-01", "p")),
    ],
)
def test_frames_parse(raw: str, command: Command) -> None:
    assert parse(raw) == command


def test_text_at_the_limit_parses() -> None:
    assert parse(frame(type="chat", text="я" * 10), Limits(max_text=10)) == Chat("я" * 10)


def test_timeout_at_the_longest_parses() -> None:
    raw = frame(type="timeout", user="u", seconds=Limits().max_seconds)
    assert parse(raw) == Restrict("timeout", "u", Limits().max_seconds)


# -- bad input ---------------------------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("raw", "code", "params"),
    [
        # not JSON, not an object, nested beyond any reason
        ("", "bad_json", {}),
        ("{", "bad_json", {}),
        ("{'type': 'chat'}", "bad_json", {}),
        ("\x00", "bad_json", {}),
        (DEEP, "bad_json", {}),
        ('{"a":' * 100_000, "bad_json", {}),
        ('{"type": "delete", "id": ' + "9" * 5000 + "}", "bad_json", {}),
        ("[]", "bad_json", {}),
        ('"chat"', "bad_json", {}),
        ("42", "bad_json", {}),
        ("null", "bad_json", {}),
        ("true", "bad_json", {}),
        # type
        ("{}", "unknown_type", {}),
        (frame(type="shout", text="hi"), "unknown_type", {}),
        (frame(type="CHAT", text="hi"), "unknown_type", {}),
        (frame(type=["chat"]), "unknown_type", {}),
        (frame(type={"chat": 1}), "unknown_type", {}),
        (frame(type=None), "unknown_type", {}),
        # chat text
        (frame(type="chat"), "empty", {}),
        (frame(type="chat", text=""), "empty", {}),
        (frame(type="chat", text=" \n\t "), "empty", {}),
        (frame(type="chat", text=5), "bad_field", {"field": "text"}),
        (frame(type="chat", text=None), "bad_field", {"field": "text"}),
        (frame(type="chat", text=["hi"]), "bad_field", {"field": "text"}),
        (frame(type="chat", text="x" * 501), "too_long", {"limit": 500}),
        # control characters: C0 (but newline and tab), DEL, C1; lone surrogates
        (frame(type="chat", text="a\x00b"), "bad_field", {"field": "text"}),
        (frame(type="chat", text="a\x1bb"), "bad_field", {"field": "text"}),
        (frame(type="chat", text="a\x7fb"), "bad_field", {"field": "text"}),
        (frame(type="chat", text="a\x85b"), "bad_field", {"field": "text"}),
        ('{"type": "chat", "text": "a\\ud800b"}', "bad_field", {"field": "text"}),
        ('{"type": "chat", "text": "\\udfff"}', "bad_field", {"field": "text"}),
        # chat lang
        (frame(type="chat", text="hi", lang=""), "bad_field", {"field": "lang"}),
        (frame(type="chat", text="hi", lang="k"), "bad_field", {"field": "lang"}),
        (frame(type="chat", text="hi", lang="kazakhstan"), "bad_field", {"field": "lang"}),
        (frame(type="chat", text="hi", lang="қз"), "bad_field", {"field": "lang"}),
        (frame(type="chat", text="hi", lang="\x00\x00"), "bad_field", {"field": "lang"}),
        (frame(type="chat", text="hi", lang="k k"), "bad_field", {"field": "lang"}),
        (frame(type="chat", text="hi", lang="../x"), "bad_field", {"field": "lang"}),
        (frame(type="chat", text="hi", lang=7), "bad_field", {"field": "lang"}),
        (frame(type="chat", text="hi", lang=["kk"]), "bad_field", {"field": "lang"}),
        # chat reply_to: bool is not an int, ids are positive and JSON-safe
        (frame(type="chat", text="hi", reply_to=True), "bad_field", {"field": "reply_to"}),
        (frame(type="chat", text="hi", reply_to=0), "bad_field", {"field": "reply_to"}),
        (frame(type="chat", text="hi", reply_to=-1), "bad_field", {"field": "reply_to"}),
        (frame(type="chat", text="hi", reply_to=1.0), "bad_field", {"field": "reply_to"}),
        (frame(type="chat", text="hi", reply_to="1"), "bad_field", {"field": "reply_to"}),
        (frame(type="chat", text="hi", reply_to=2**53 + 1), "bad_field", {"field": "reply_to"}),
        (frame(type="chat", text="hi", reply_to=10**300), "bad_field", {"field": "reply_to"}),
        # chat texts
        (frame(type="chat", texts={}), "bad_field", {"field": "texts"}),
        (frame(type="chat", texts=["kk"]), "bad_field", {"field": "texts"}),
        (frame(type="chat", texts="hi"), "bad_field", {"field": "texts"}),
        (
            frame(type="chat", texts={f"l{i}": "hi" for i in range(8)}),
            "bad_field",
            {"field": "texts"},
        ),
        (frame(type="chat", texts={"kk": ""}), "empty", {}),
        (frame(type="chat", texts={"kk": 1}), "bad_field", {"field": "text"}),
        (frame(type="chat", texts={"kk": "x" * 501}), "too_long", {"limit": 500}),
        (frame(type="chat", texts={"?": "hi"}), "bad_field", {"field": "lang"}),
        # ref
        (frame(type="chat", text="hi", ref=True), "bad_field", {"field": "ref"}),
        (frame(type="chat", text="hi", ref=1.5), "bad_field", {"field": "ref"}),
        (frame(type="chat", text="hi", ref=["r"]), "bad_field", {"field": "ref"}),
        (frame(type="chat", text="hi", ref={"r": 1}), "bad_field", {"field": "ref"}),
        (frame(type="chat", text="hi", ref="r" * 65), "bad_field", {"field": "ref"}),
        (frame(type="chat", text="hi", ref=10**70), "bad_field", {"field": "ref"}),
        (frame(type="chat", text="hi", ref="a\x00"), "bad_field", {"field": "ref"}),
        (frame(type="shout", ref=False), "bad_field", {"field": "ref"}),
        # subscribe
        (frame(type="subscribe"), "bad_field", {"field": "langs"}),
        (frame(type="subscribe", langs=[]), "bad_field", {"field": "langs"}),
        (frame(type="subscribe", langs="kk"), "bad_field", {"field": "langs"}),
        (frame(type="subscribe", langs={"kk": 1}), "bad_field", {"field": "langs"}),
        (frame(type="subscribe", langs=["kk"] * 8), "bad_field", {"field": "langs"}),
        (frame(type="subscribe", langs=["kk", 1]), "bad_field", {"field": "lang"}),
        (frame(type="subscribe", langs=[None]), "bad_field", {"field": "lang"}),
        # delete / approve / reject
        (frame(type="delete"), "bad_field", {"field": "id"}),
        (frame(type="delete", id=0), "bad_field", {"field": "id"}),
        (frame(type="delete", id=-5), "bad_field", {"field": "id"}),
        (frame(type="approve", id=True), "bad_field", {"field": "id"}),
        (frame(type="approve", id="3"), "bad_field", {"field": "id"}),
        (frame(type="reject", id=3.0), "bad_field", {"field": "id"}),
        (frame(type="reject", id=2**53 + 1), "bad_field", {"field": "id"}),
        (frame(type="reject", id=2**64), "bad_field", {"field": "id"}),
        ('{"type": "delete", "id": NaN}', "bad_field", {"field": "id"}),
        ('{"type": "delete", "id": Infinity}', "bad_field", {"field": "id"}),
        ('{"type": "delete", "id": 1e400}', "bad_field", {"field": "id"}),
        # timeout / ban / unban
        (frame(type="ban"), "bad_field", {"field": "user"}),
        (frame(type="ban", user=""), "bad_field", {"field": "user"}),
        (frame(type="ban", user="   "), "bad_field", {"field": "user"}),
        (frame(type="ban", user=5), "bad_field", {"field": "user"}),
        (frame(type="ban", user="u" * 101), "bad_field", {"field": "user"}),
        (frame(type="ban", user="u\x00"), "bad_field", {"field": "user"}),
        (frame(type="unban", user="u\n1"), "bad_field", {"field": "user"}),
        (frame(type="timeout", user="u"), "bad_field", {"field": "seconds"}),
        (frame(type="timeout", user="u", seconds=0), "bad_field", {"field": "seconds"}),
        (frame(type="timeout", user="u", seconds=True), "bad_field", {"field": "seconds"}),
        (frame(type="timeout", user="u", seconds="60"), "bad_field", {"field": "seconds"}),
        (frame(type="timeout", user="u", seconds=60.0), "bad_field", {"field": "seconds"}),
        (
            frame(type="timeout", user="u", seconds=7 * 24 * 3600 + 1),
            "bad_field",
            {"field": "seconds"},
        ),
        # slow
        (frame(type="slow", seconds=10), "bad_field", {"field": "lang"}),
        (frame(type="slow", lang="kk"), "bad_field", {"field": "seconds"}),
        (frame(type="slow", lang="kk", seconds=-1), "bad_field", {"field": "seconds"}),
        (frame(type="slow", lang="kk", seconds=3601), "bad_field", {"field": "seconds"}),
        (frame(type="slow", lang="kk", seconds=False), "bad_field", {"field": "seconds"}),
        # pin / unpin
        (frame(type="pin"), "bad_field", {"field": "sku"}),
        (frame(type="pin", sku=""), "bad_field", {"field": "sku"}),
        (frame(type="pin", sku=12), "bad_field", {"field": "sku"}),
        (frame(type="unpin", sku="S" * 65), "bad_field", {"field": "sku"}),
    ],
)
def test_bad_frames_raise_frame_error(raw: str, code: str, params: dict[str, object]) -> None:
    with pytest.raises(FrameError) as caught:
        parse(raw)
    assert caught.value.code == code
    assert caught.value.params == params
    assert caught.value.template


@pytest.mark.parametrize(
    ("limits", "raw", "code"),
    [
        (Limits(max_text=3), frame(type="chat", text="four"), "too_long"),
        (Limits(max_text=3), frame(type="chat", texts={"kk": "four"}), "too_long"),
        (Limits(max_langs=2), frame(type="subscribe", langs=["kk", "ru", "zh"]), "bad_field"),
        (
            Limits(max_langs=2),
            frame(type="chat", texts=dict.fromkeys(("kk", "ru", "zh"), "x")),
            "bad_field",
        ),
        (Limits(max_seconds=60), frame(type="timeout", user="u", seconds=61), "bad_field"),
    ],
)
def test_limits_are_the_callers(limits: Limits, raw: str, code: str) -> None:
    with pytest.raises(FrameError) as caught:
        parse(raw, limits)
    assert caught.value.code == code


def test_too_long_counts_the_stripped_text() -> None:
    assert parse(frame(type="chat", text=" " * 100 + "hi" + " " * 100), Limits(max_text=2))


@pytest.mark.parametrize(
    ("raw", "ref"),
    [
        (frame(type="chat", text="", ref="r1"), "r1"),
        (frame(type="chat", text="hi", lang=5, ref=3), "3"),
        (frame(type="delete", id="x", ref="r2"), "r2"),
        (frame(type="shout", ref="r3"), "r3"),
        (frame(type="chat", text="", ref=None), None),
        (frame(type="chat", text="hi", ref=[1]), None),  # a bad ref is not echoed
    ],
)
def test_errors_carry_the_ref_to_echo(raw: str, ref: str | None) -> None:
    with pytest.raises(FrameError) as caught:
        parse(raw)
    assert caught.value.ref == ref


def test_frame_error_is_a_value_error_with_its_code() -> None:
    error = FrameError("too_long", "At most {limit}.", "r", limit=5)
    assert isinstance(error, ValueError)
    assert (str(error), error.code, error.ref, error.params) == (
        "too_long",
        "too_long",
        "r",
        {"limit": 5},
    )


# -- properties -----------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = (
    "type",
    "text",
    "texts",
    "lang",
    "langs",
    "ref",
    "reply_to",
    "id",
    "user",
    "seconds",
    "sku",
)
TYPES = (
    "chat",
    "subscribe",
    "delete",
    "approve",
    "reject",
    "timeout",
    "ban",
    "unban",
    "slow",
    "pin",
    "unpin",
)
# Objects shaped like frames, so that the generator reaches past the type dispatch.
frame_like = st.fixed_dictionaries(
    {"type": st.sampled_from(TYPES) | json_values},
    optional={name: json_values for name in FIELDS[1:]},
)


def _parse_or_frame_error(raw: str) -> None:
    """Anything but a command or a `FrameError` with a code propagates and fails the test."""
    code: str | None = None
    try:
        command = parse(raw)
    except FrameError as error:
        code = error.code
    else:
        assert isinstance(command, Chat | Subscribe | Moderate | Restrict | Slow | Pin)
        return
    assert code


@given(st.text())
def test_parse_of_any_text_is_a_command_or_a_frame_error(raw: str) -> None:
    _parse_or_frame_error(raw)


@given(json_values)
def test_parse_of_any_json_value_is_a_command_or_a_frame_error(value: object) -> None:
    _parse_or_frame_error(json.dumps(value))


@given(frame_like)
def test_parse_of_any_frame_like_object_is_a_command_or_a_frame_error(value: object) -> None:
    _parse_or_frame_error(json.dumps(value))


@given(st.text(min_size=1, max_size=50).filter(lambda t: t.strip() != ""))
def test_parsed_text_has_no_control_characters(text: str) -> None:
    try:
        command = parse(json.dumps({"type": "chat", "text": text}))
    except FrameError:
        return
    assert isinstance(command, Chat)
    assert all(c in "\n\t" or not (ord(c) < 32 or 0x7F <= ord(c) <= 0x9F) for c in command.text)


def test_carriage_returns_become_newlines() -> None:
    command = parse(frame(type="chat", text="a\r\nb\rc"))
    assert isinstance(command, Chat)
    assert command.text == "a\nb\nc"
