"""Signed, expiring chat tokens: round trip, and every way a token is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livecommerce.core.models import Role
from livecommerce.core.tokens import MAX_TOKEN, Identity, TokenError, issue, verify

SECRET = b"k" * 32
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
LATER = int((NOW + timedelta(hours=1)).timestamp())

MODERATOR = Identity(
    user="u-42",
    name="Айгерім",
    role=Role.MODERATOR,
    langs=("kk", "ru"),
    stream="show-1",
    expires=LATER,
)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def signed(payload: object, secret: bytes = SECRET) -> str:
    """A correctly signed token around any payload: what only the key holder can make."""
    body = b64(json.dumps(payload).encode())
    signature = b64(hmac.new(secret, body.encode(), hashlib.sha256).digest())
    return f"{body}.{signature}"


GOOD_BODY = {"sub": "u", "name": "n", "role": "viewer", "langs": ["kk"], "exp": LATER}


@pytest.mark.parametrize(
    "identity",
    [
        MODERATOR,
        replace(MODERATOR, stream=None),
        replace(MODERATOR, role=Role.VIEWER, langs=()),
        replace(MODERATOR, role=Role.STREAMER, name="主播 李"),
        replace(MODERATOR, role=Role.ADMIN, name="ئابدۇ"),
        replace(MODERATOR, langs=("kk", "ru", "zh", "ug", "ky", "uz", "en")),
    ],
)
def test_round_trip(identity: Identity) -> None:
    token = issue(SECRET, identity)
    assert token.isascii()
    assert verify(SECRET, token, NOW, "show-1") == identity
    assert verify(SECRET, token, NOW) == identity


def test_an_unbound_token_opens_any_stream() -> None:
    token = issue(SECRET, replace(MODERATOR, stream=None))
    assert verify(SECRET, token, NOW, "show-2").stream is None


def test_valid_until_the_second_it_expires() -> None:
    token = issue(SECRET, MODERATOR)
    just_before = datetime.fromtimestamp(LATER - 1, UTC)
    assert verify(SECRET, token, just_before) == MODERATOR


def _flip_last(text: str) -> str:
    return text[:-1] + ("A" if text[-1] != "A" else "B")


TOKEN = issue(SECRET, MODERATOR)
PAYLOAD, SIGNATURE = TOKEN.split(".")
TAMPERED = b64(
    json.dumps({**json.loads(base64.urlsafe_b64decode(PAYLOAD + "==")), "role": "admin"}).encode()
)


@pytest.mark.parametrize(
    ("token", "now", "stream", "reason"),
    [
        # forged: another key, a changed signature, a changed payload
        (issue(b"another key", MODERATOR), NOW, "show-1", "forged"),
        (f"{PAYLOAD}.{_flip_last(SIGNATURE)}", NOW, "show-1", "forged"),
        (f"{PAYLOAD}.", NOW, "show-1", "forged"),
        (f"{PAYLOAD}.{SIGNATURE}A", NOW, "show-1", "forged"),
        (f"{TAMPERED}.{SIGNATURE}", NOW, "show-1", "forged"),
        (f"{_flip_last(PAYLOAD)}.{SIGNATURE}", NOW, "show-1", "forged"),
        (f".{SIGNATURE}", NOW, "show-1", "forged"),
        ("abc.def", NOW, "show-1", "forged"),
        (".", NOW, "show-1", "forged"),
        # expired: at and past the expiry
        (TOKEN, datetime.fromtimestamp(LATER, UTC), "show-1", "expired"),
        (TOKEN, NOW + timedelta(days=365), "show-1", "expired"),
        # bound to another stream
        (TOKEN, NOW, "show-2", "stream"),
        # not a token at all
        ("", NOW, "show-1", "bad"),
        ("garbage", NOW, "show-1", "bad"),
        (f"{TOKEN}.x", NOW, "show-1", "bad"),
        ("a" * MAX_TOKEN + "." + SIGNATURE, NOW, "show-1", "bad"),
        ("é.é", NOW, "show-1", "bad"),
        (TOKEN + "ä", NOW, "show-1", "bad"),
        ("токен.подпись", NOW, "show-1", "bad"),
        (TOKEN.replace(".", "\u2024"), NOW, "show-1", "bad"),
    ],
)
def test_refused(token: str, now: datetime, stream: str, reason: str) -> None:
    with pytest.raises(TokenError) as caught:
        verify(SECRET, token, now, stream)
    assert caught.value.reason == reason
    assert str(caught.value) == reason


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "sub",
        42,
        None,
        {},
        {k: v for k, v in GOOD_BODY.items() if k != "sub"},
        {k: v for k, v in GOOD_BODY.items() if k != "exp"},
        {k: v for k, v in GOOD_BODY.items() if k != "langs"},
        {**GOOD_BODY, "role": "emperor"},
        {**GOOD_BODY, "langs": "kk"},
        {**GOOD_BODY, "langs": [1, 2]},
        {**GOOD_BODY, "langs": None},
        {**GOOD_BODY, "exp": "soon"},
        {**GOOD_BODY, "exp": 1e400},
        {**GOOD_BODY, "exp": float(LATER)},
        {**GOOD_BODY, "exp": True},
        {**GOOD_BODY, "exp": None},
    ],
)
def test_a_signed_payload_of_the_wrong_shape_is_bad(payload: object) -> None:
    with pytest.raises(TokenError) as caught:
        verify(SECRET, signed(payload), NOW)
    assert caught.value.reason == "bad"


# Nested deeper than the JSON decoder recurses, yet short enough to be checked at all.
TOO_DEEP = b"[" * 3000


@pytest.mark.parametrize("payload", [b"\xff\xfe", b"not json", TOO_DEEP])
def test_a_signed_payload_that_is_not_json_is_bad(payload: bytes) -> None:
    body = b64(payload)
    assert len(body) < MAX_TOKEN - 50
    signature = b64(hmac.new(SECRET, body.encode(), hashlib.sha256).digest())
    with pytest.raises(TokenError) as caught:
        verify(SECRET, f"{body}.{signature}", NOW)
    assert caught.value.reason == "bad"


def test_a_well_formed_signed_payload_passes() -> None:
    identity = verify(SECRET, signed(GOOD_BODY), NOW)
    assert identity == Identity("u", "n", Role.VIEWER, ("kk",), None, LATER)


def test_token_error_is_a_value_error() -> None:
    assert isinstance(TokenError("bad"), ValueError)


@given(st.text(max_size=MAX_TOKEN + 10))
def test_verify_of_any_text_only_raises_token_error(token: str) -> None:
    with pytest.raises(TokenError) as caught:
        verify(SECRET, token, NOW, "show-1")
    assert caught.value.reason in ("bad", "forged")


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=."))
def test_verify_of_token_shaped_text_only_raises_token_error(token: str) -> None:
    with pytest.raises(TokenError):
        verify(SECRET, token, NOW)


@given(st.integers(min_value=0, max_value=len(TOKEN) - 1), st.characters(codec="ascii"))
def test_any_one_character_changed_is_refused(index: int, char: str) -> None:
    changed = TOKEN[:index] + char + TOKEN[index + 1 :]
    if changed == TOKEN:
        return
    with pytest.raises(TokenError):
        verify(SECRET, changed, NOW, "show-1")
