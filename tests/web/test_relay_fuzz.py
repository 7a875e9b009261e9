"""Random frames at a live relay: whatever one client throws, the room goes on.

Each example connects one client to the same running server and sends it a list of
random frames: text that may or may not be JSON, binary frames, and JSON objects whose
`type` is one of the protocol's (or not) with random fields. The server may answer with
errors and may close the connection when the abuse limit is reached; afterwards two new
clients must still hold a normal conversation.
"""

from __future__ import annotations

import contextlib
import itertools
import json

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed

from tests.conftest import Server
from tests.web.test_relay import Client, Frame, make_token

LANGUAGES = ["kk", "ru", "uz", "ky", "ug", "zh"]
CLIENT_TYPES = [
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
]
SERVER_TYPES = {
    "hello",
    "chat",
    "ack",
    "held",
    "resolved",
    "deleted",
    "notice",
    "presence",
    "mod",
    "product",
    "error",
    "subscribed",
}
FIELDS = ["text", "texts", "lang", "langs", "ref", "reply_to", "id", "user", "seconds", "sku"]

_users = itertools.count(1)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["kk", "ru", "fr", "", " ", "\ud800", "\x00", "IT-LAP-14", "u-bob"]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=10,
)
plausible_values = st.one_of(
    st.sampled_from(LANGUAGES),
    st.lists(st.sampled_from([*LANGUAGES, "en", "xx"]), max_size=8),
    st.dictionaries(st.sampled_from([*LANGUAGES, "fr"]), st.text(max_size=30), max_size=7),
    st.integers(min_value=-3, max_value=300),
    st.text(max_size=600),
)
# Fields that are right, or nearly: frames the room acts on, not only refuses.
likely_fields = {
    "text": st.text(min_size=1, max_size=520),
    "texts": st.dictionaries(
        st.sampled_from(LANGUAGES), st.text(min_size=1, max_size=40), min_size=1, max_size=3
    ),
    "lang": st.sampled_from([*LANGUAGES, "en", "KK", "zh-Hans"]),
    "langs": st.lists(st.sampled_from([*LANGUAGES, "en"]), min_size=1, max_size=8),
    "ref": st.text(max_size=70) | st.integers(),
    "reply_to": st.integers(min_value=0, max_value=400),
    "id": st.integers(min_value=0, max_value=400),
    "user": st.sampled_from(["u-bob", "u-alice", "mod-kk", "streamer-khorgos"]),
    "seconds": st.integers(min_value=-1, max_value=4000),
    "sku": st.sampled_from(["IT-LAP-14", "IT-RTR-AX3", "NOPE"]),
}
likely_frames = st.fixed_dictionaries(
    {"type": st.sampled_from(CLIENT_TYPES)}, optional=likely_fields
)
chat_frames = st.fixed_dictionaries(
    {"type": st.just("chat"), "text": likely_fields["text"]},
    optional={"lang": st.sampled_from(LANGUAGES), "ref": st.text(max_size=10)},
)
frame_objects = st.fixed_dictionaries(
    {"type": st.one_of(st.sampled_from(CLIENT_TYPES), json_values)},
    optional={field: st.one_of(plausible_values, json_values) for field in FIELDS},
).flatmap(
    lambda frame: st.dictionaries(st.text(max_size=8), json_values, max_size=3).map(
        lambda extra: {**extra, **frame}
    )
)


def _dumps(frame: object) -> str:
    """JSON as a browser would send it; escaped where it holds a lone surrogate, which
    only escaped JSON can carry over a websocket text frame (UTF-8)."""
    text = json.dumps(frame, ensure_ascii=False)
    try:
        text.encode()
    except UnicodeEncodeError:
        return json.dumps(frame)
    return text


frames = st.one_of(
    chat_frames.map(_dumps),
    likely_frames.map(_dumps),
    frame_objects.map(_dumps),
    frame_objects.map(json.dumps),
    json_values.map(json.dumps),
    st.text(max_size=200),
    st.binary(max_size=64),
)


async def _throw(server: Server, thrown: list[str | bytes], role: str, lang: str) -> None:
    """One client sends `thrown`; every answer is a well-formed frame; a close is 1008."""
    user = f"u-fuzz-{next(_users)}"
    client = await Client.open(server, token=make_token(server, user, role, [lang]), lang=lang)
    answers: list[Frame] = []
    try:
        for raw in thrown:
            await client.send(raw)
        # A frame the server answers for sure, so that everything before it was handled.
        await client.send({"type": "subscribe", "langs": [lang], "ref": "probe"})
        answers.append(await client.recv_until("subscribed", ref="probe"))
        answers += client.backlog
    except ConnectionClosed:
        code, rest = await client.closed()
        answers += rest
        assert code == 1008, code
        event("closed for abuse")
    for answer in answers:
        assert answer["type"] in SERVER_TYPES, answer
        event(f"answer {answer['type']} {answer.get('code') or answer.get('status') or ''}")
        if answer["type"] == "error":
            assert isinstance(answer["code"], str), answer
            assert isinstance(answer["message"], str), answer
            assert answer["message"], answer
    with contextlib.suppress(ConnectionClosed):
        await client.close()


async def _conversation(server: Server) -> None:
    """Two new people still talk: each sees the other's message, in their language."""
    n = next(_users)
    alice = await Client.open(
        server, token=make_token(server, f"u-alice-{n}", "viewer", ["kk"]), lang="kk"
    )
    bob = await Client.open(
        server, token=make_token(server, f"u-bob-{n}", "viewer", ["kk"]), lang="kk,ru"
    )
    hello = await alice.say("Сәлем, Боб!")
    assert hello["status"] == "sent"
    assert (await bob.recv_until("chat", id=hello["id"]))["text"] == "Сәлем, Боб!"
    answer = await bob.say("Сәлем, Алиса! Бағасы қанша?", lang="kk")
    assert answer["status"] == "sent"
    assert answer["id"] > hello["id"]
    assert (await alice.recv_until("chat", id=answer["id"]))["user"]["id"] == f"u-bob-{n}"
    await alice.close()
    await bob.close()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    thrown=st.lists(frames, min_size=1, max_size=30),
    role=st.sampled_from(["viewer", "viewer", "moderator", "streamer"]),
    lang=st.sampled_from(LANGUAGES),
)
async def test_random_frames_never_hurt_the_room(
    server: Server, thrown: list[str | bytes], role: str, lang: str
) -> None:
    await _throw(server, thrown, role, lang)
    await _conversation(server)
