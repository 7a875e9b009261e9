"""Chat wire protocol v1: client frames parsed and checked, without I/O.

A frame is a JSON object with a `type`. `parse` turns the text of one websocket frame
into a typed command or raises `FrameError` with a stable code; the caller answers with
an `error` frame and keeps the connection.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from livecommerce.core.messages import N_

VERSION = 1


class FrameError(ValueError):
    """A client frame that cannot be obeyed: `code` is stable, `template` is for people."""

    def __init__(self, code: str, template: str, ref: str | None = None, **params: object):
        super().__init__(code)
        self.code = code
        self.template = template
        self.ref = ref
        self.params = params


@dataclass(frozen=True)
class Chat:
    text: str
    lang: str | None = None
    ref: str | None = None
    reply_to: int | None = None
    texts: dict[str, str] | None = None  # the streamer's one message, a text per language


@dataclass(frozen=True)
class Subscribe:
    langs: tuple[str, ...]
    ref: str | None = None


@dataclass(frozen=True)
class Moderate:
    """delete / approve / reject a message by id."""

    action: str
    id: int
    ref: str | None = None


@dataclass(frozen=True)
class Restrict:
    """timeout / ban / unban a user across every language channel of the stream."""

    action: str
    user: str
    seconds: int = 0
    ref: str | None = None


@dataclass(frozen=True)
class Slow:
    lang: str
    seconds: int
    ref: str | None = None


@dataclass(frozen=True)
class Pin:
    action: str  # pin | unpin
    sku: str
    ref: str | None = None


@dataclass(frozen=True)
class Move:
    """A moderator moves message `id` to language channel `lang`."""

    id: int
    lang: str
    ref: str | None = None


@dataclass(frozen=True)
class HeldPage:
    """A moderator asks for the held messages older than `before` (a hold id)."""

    before: int | None = None
    ref: str | None = None


Command = Chat | Subscribe | Moderate | Restrict | Slow | Pin | Move | HeldPage


@dataclass(frozen=True)
class Limits:
    """What a frame may carry; the relay's settings fill it in."""

    max_text: int = 500
    max_langs: int = 7
    max_seconds: int = 7 * 24 * 3600


# A language tag as the stream names its channels: "kk", "zh-Hans", "uz_Latn".
_LANG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,5})*")


# Control characters (C0, DEL, C1) and lone surrogates, which JSON can carry (`\\ud800`)
# but UTF-8, the store and the other clients cannot. One regex: this runs on every frame.
_UNPLAIN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_UNPLAIN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")  # \t and \n kept


def _plain(value: str, text: bool = False) -> bool:
    """No control characters (but tab and newline in message text) and no lone surrogates."""
    return (_UNPLAIN_TEXT if text else _UNPLAIN).search(value) is None


def _ref(data: dict[str, Any]) -> str | None:
    ref = data.get("ref")
    if ref is None:
        return None
    if (
        not isinstance(ref, str | int)
        or isinstance(ref, bool)
        or len(str(ref)) > 64
        or not _plain(str(ref))
    ):
        raise FrameError("bad_field", N_("The field {field} is not valid."), field="ref")
    return str(ref)


def _int(data: dict[str, Any], key: str, ref: str | None, low: int, high: int) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise FrameError("bad_field", N_("The field {field} is not valid."), ref, field=key)
    return value


def _word(data: dict[str, Any], key: str, ref: str | None, max_len: int = 100) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > max_len or not _plain(value):
        raise FrameError("bad_field", N_("The field {field} is not valid."), ref, field=key)
    return value.strip()


def _text(value: Any, limits: Limits, ref: str | None) -> str:
    if not isinstance(value, str):
        raise FrameError("bad_field", N_("The field {field} is not valid."), ref, field="text")
    # Windows clients end lines with CRLF: keep the line, not the carriage return.
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise FrameError("empty", N_("The message is empty."), ref)
    if len(text) > limits.max_text:
        raise FrameError(
            "too_long",
            N_("The message is too long: at most {limit} characters."),
            ref,
            limit=limits.max_text,
        )
    if not _plain(text, text=True):
        raise FrameError("bad_field", N_("The field {field} is not valid."), ref, field="text")
    return text


def _lang(value: Any, ref: str | None) -> str:
    if not isinstance(value, str) or not 2 <= len(value) <= 8 or not _LANG.fullmatch(value):
        raise FrameError("bad_field", N_("The field {field} is not valid."), ref, field="lang")
    return value.lower()


def parse(raw: str, limits: Limits = Limits()) -> Command:
    """One client frame as a command; `FrameError` says what is wrong with it."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise FrameError("bad_json", N_("The frame is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise FrameError("bad_json", N_("The frame must be a JSON object."))
    ref = _ref(data)
    kind = data.get("type")
    if kind == "chat":
        texts = data.get("texts")
        parsed_texts = None
        if texts is not None:
            if not isinstance(texts, dict) or not texts or len(texts) > limits.max_langs:
                raise FrameError(
                    "bad_field", N_("The field {field} is not valid."), ref, field="texts"
                )
            parsed_texts = {_lang(k, ref): _text(v, limits, ref) for k, v in texts.items()}
        text = _text(data.get("text", ""), limits, ref) if parsed_texts is None else ""
        reply_to = data.get("reply_to")
        return Chat(
            text=text,
            lang=_lang(data["lang"], ref) if data.get("lang") is not None else None,
            ref=ref,
            reply_to=_int(data, "reply_to", ref, 1, 2**53) if reply_to is not None else None,
            texts=parsed_texts,
        )
    if kind == "subscribe":
        langs = data.get("langs")
        if not isinstance(langs, list) or not 1 <= len(langs) <= limits.max_langs:
            raise FrameError("bad_field", N_("The field {field} is not valid."), ref, field="langs")
        return Subscribe(tuple(dict.fromkeys(_lang(v, ref) for v in langs)), ref)
    if kind in ("delete", "approve", "reject"):
        return Moderate(kind, _int(data, "id", ref, 1, 2**53), ref)
    if kind in ("timeout", "ban", "unban"):
        user = _word(data, "user", ref)
        seconds = _int(data, "seconds", ref, 1, limits.max_seconds) if kind == "timeout" else 0
        return Restrict(kind, user, seconds, ref)
    if kind == "slow":
        return Slow(_lang(data.get("lang"), ref), _int(data, "seconds", ref, 0, 3600), ref)
    if kind == "move":
        return Move(_int(data, "id", ref, 1, 2**53), _lang(data.get("lang"), ref), ref)
    if kind == "held_page":
        before = data.get("before")
        return HeldPage(_int(data, "before", ref, 1, 2**53) if before is not None else None, ref)
    if kind in ("pin", "unpin"):
        return Pin(kind, _word(data, "sku", ref, 64), ref)
    raise FrameError("unknown_type", N_("This kind of frame is not known."), ref)
