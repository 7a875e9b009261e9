"""Server frames -> one terminal line each, without I/O: times in the reader's zone,
sentences in their language, untrusted text made safe for one line."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime
from typing import Any

from rich.text import Text

from livecommerce.core.messages import N_
from livecommerce.i18n import Localizer

_ROLES = {
    "viewer": N_("viewer"),
    "moderator": N_("moderator"),
    "streamer": N_("streamer"),
    "admin": N_("admin"),
}

_REASONS = {
    "link": N_("a link"),
    "blocked_term": N_("a blocked word"),
    "first_time_guest": N_("a guest's first message"),
}

# Characters that would move or reorder what follows them on the line.
_BIDI_CONTROLS = dict.fromkeys(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]
)
_FSI, _PDI = "\u2068", "\u2069"


def clean(text: Any) -> str:
    """Untrusted text made safe for one terminal line: newlines shown as ↵, control
    characters (escape sequences) and bidi overrides dropped."""
    value = str(text).replace("\r\n", "\n").translate(_BIDI_CONTROLS)
    value = value.replace("\n", " ↵ ").replace("\t", " ")
    return "".join(c for c in value if unicodedata.category(c) != "Cc")


def isolate(text: str) -> str:
    """Right-to-left text (Uyghur) wrapped in a bidi isolate, so that it cannot reorder
    the id, time and name around it on terminals that apply the bidi algorithm."""
    if any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
        return _FSI + text + _PDI
    return text


def _user_text(text: Any) -> str:
    return isolate(clean(text))


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_int(value: Any) -> int | None:
    """`value` if it is an integer (a JSON number without a fraction), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _time(frame: dict[str, Any], l10n: Localizer) -> str:
    stamp = frame.get("ts")
    if not isinstance(stamp, str):
        return ""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return ""
    if moment.tzinfo is None:
        return ""
    return l10n.format_time(moment, "short")


def _role(role: Any, l10n: Localizer) -> str:
    return l10n.gettext(_ROLES[role]) if role in _ROLES else clean(role)


def _langs(values: Any) -> str:
    if not isinstance(values, list) or not values:
        return "—"
    return ", ".join(clean(v) for v in values)


def _message_line(frame: dict[str, Any], l10n: Localizer, style: str = "") -> Text:
    """`#12 14:03 [kk] Aigerim (moderator) ↩#9: text` — a chat or held message; for staff
    also the script it was written in (`[kk Arab]`) and whether its language is unsure."""
    line = Text(style=style)
    message_id = as_int(frame.get("id"))
    if message_id is not None:
        line.append(f"#{message_id} ", style="dim")
    when = _time(frame, l10n)
    if when:
        line.append(f"{when} ", style="dim")
    lang = clean(frame.get("lang", "?"))
    tag = lang
    if isinstance(frame.get("declared_lang"), str):
        tag = f"{lang}←{clean(frame['declared_lang'])}"
    if frame.get("broadcast"):
        tag = f"{lang}→*"
    if isinstance(frame.get("script"), str) and frame["script"]:
        tag = f"{tag} {clean(frame['script'])}"
    line.append(f"[{tag}] ", style="cyan")
    user = _dict(frame.get("user"))
    role = user.get("role")
    line.append(_user_text(user.get("name") or user.get("id") or "?"), style="bold")
    line.append(
        f" ({_role(role, l10n)})", style="magenta" if role not in (None, "viewer") else "dim"
    )
    reply_to = as_int(frame.get("reply_to"))
    if reply_to is not None:
        line.append(f" ↩#{reply_to}", style="dim")
    line.append(": ")
    line.append(_user_text(frame.get("text", "")))
    mentions = frame.get("mentions")
    if isinstance(mentions, list) and mentions:
        line.append(f" [{', '.join(clean(m) for m in mentions)}]", style="green")
    if frame.get("fallback"):
        line.append(" " + l10n.gettext("(fallback: nobody moderates this language)"), style="dim")
    if frame.get("lang_unsure"):
        line.append(" " + l10n.gettext("(language unsure)"), style="bold yellow")
        if message_id is not None and frame.get("type") == "chat":
            line.append(f"  /move {message_id} LANG", style="dim")
    return line


def _target(frame: dict[str, Any]) -> str:
    """Whom a moderation acted on: their name, then their id (what /unban and /timeout
    take) in brackets; the id alone from a server that sends no name."""
    user_id = clean(frame.get("user", "?"))
    name = _dict(frame.get("target")).get("name")
    if not isinstance(name, str) or not name.strip() or name == user_id:
        return _user_text(user_id)
    return f"{_user_text(name)} [{user_id}]"


def _mod_sentence(frame: dict[str, Any], l10n: Localizer) -> str:
    by = _dict(frame.get("by"))
    params: dict[str, Any] = {
        "by": _user_text(by.get("name") or by.get("id") or "?"),
        "user": _target(frame),
        "id": frame.get("id", "?"),
        "language": clean(frame.get("lang", "?")),
    }
    seconds = as_int(frame.get("seconds")) or 0
    params["seconds"] = l10n.format_number(seconds)
    action = frame.get("action")
    if action == "delete":
        template = l10n.gettext("{by} deleted message {id}.")
    elif action == "approve":
        template = l10n.gettext("{by} approved held message {id}.")
    elif action == "reject":
        template = l10n.gettext("{by} rejected held message {id}.")
    elif action == "timeout":
        template = l10n.ngettext(
            "{by} timed out {user} for {seconds} second.",
            "{by} timed out {user} for {seconds} seconds.",
            seconds,
        )
    elif action == "ban":
        template = l10n.gettext("{by} banned {user}.")
    elif action == "unban":
        template = l10n.gettext("{by} lifted the ban and timeout of {user}.")
    elif action == "slow" and seconds:
        template = l10n.ngettext(
            "{by} set slow mode in {language}: one message every {seconds} second.",
            "{by} set slow mode in {language}: one message every {seconds} seconds.",
            seconds,
        )
    elif action == "slow":
        template = l10n.gettext("{by} turned slow mode off in {language}.")
    elif action == "move":
        template = l10n.gettext("{by} moved message {id} to {language}.")
    else:
        params["action"] = clean(action)
        template = l10n.gettext("{by}: {action}")
    return template.format(**params)


def render(frame: dict[str, Any], l10n: Localizer) -> Text:
    """One server frame as one line for the reader: times in their zone, sentences in
    their language, colour for what needs attention."""
    kind = frame.get("type")
    if kind == "chat":
        return _message_line(frame, l10n)
    if kind == "held":
        line = _message_line(frame, l10n, style="yellow")
        reasons = _list(frame.get("reasons"))
        named = [l10n.gettext(_REASONS[r]) if r in _REASONS else clean(r) for r in reasons]
        line.append(" — " + l10n.gettext("held: {reasons}").format(reasons=l10n.list(named)))
        message_id = as_int(frame.get("id"))
        if message_id is not None:
            line.append(f"  /approve {message_id} · /reject {message_id}", style="dim")
        return line
    if kind == "hello":
        you = _dict(frame.get("you"))
        stream = _dict(frame.get("stream"))
        text = l10n.gettext("Connected to {stream} as {name} ({role}).").format(
            stream=clean(stream.get("id", "?")),
            name=_user_text(you.get("name", "?")),
            role=_role(you.get("role"), l10n),
        )
        text += " " + l10n.gettext("Reading: {langs}.").format(langs=_langs(frame.get("langs")))
        if frame.get("moderates"):
            text += " " + l10n.gettext("Moderating: {langs}.").format(
                langs=_langs(frame.get("moderates"))
            )
        text += " " + l10n.gettext("Stream languages: {langs}.").format(
            langs=_langs(stream.get("languages"))
        )
        # The times of the lines that follow are on the reader's clock: named once here.
        text += " " + l10n.gettext("Time zone: {clock}.").format(clock=l10n.clock_name())
        line = Text(text, style="green")
        if frame.get("recovered") is False:
            line.append(
                " " + l10n.gettext("Some earlier messages are too old to be replayed."),
                style="yellow",
            )
        return line
    if kind == "subscribed":
        text = l10n.gettext("Reading: {langs}.").format(langs=_langs(frame.get("langs")))
        if frame.get("moderates"):
            text += " " + l10n.gettext("Moderating: {langs}.").format(
                langs=_langs(frame.get("moderates"))
            )
        return Text(text, style="green")
    if kind == "ack":
        message_id = frame.get("id", "?")
        status = frame.get("status")
        if status == "held":
            text = l10n.gettext("Your message is held for review (#{id}).")
            return Text(text.format(id=message_id), style="yellow")
        if status == "rejected":
            text = l10n.gettext("Your held message #{id} was rejected.")
            return Text(text.format(id=message_id), style="yellow")
        if frame.get("held_id") is not None:
            text = l10n.gettext("Your held message #{held} was approved and sent as #{id}.")
            return Text(text.format(held=frame["held_id"], id=message_id), style="green")
        return Text(l10n.gettext("Sent as #{id}.").format(id=message_id), style="dim")
    if kind == "resolved":
        if frame.get("action") == "approve":
            text = l10n.gettext("Held message #{id} was approved.")
        elif frame.get("action") == "evicted":
            text = l10n.gettext("Held message #{id} was dropped: the held queue is full.")
        else:
            text = l10n.gettext("Held message #{id} was rejected.")
        return Text(text.format(id=frame.get("id", "?")), style="dim")
    if kind == "held_page":
        total = as_int(frame.get("total")) or 0
        text = l10n.gettext("Held for review in all: {count}")
        return Text(text.format(count=l10n.format_number(total)), style="yellow")
    if kind == "moved":
        text = l10n.gettext("Message #{id} was moved to {language}.")
        return Text(
            text.format(id=frame.get("id", "?"), language=clean(frame.get("lang", "?"))),
            style="yellow",
        )
    if kind == "deleted":
        text = l10n.gettext("Message #{id} was deleted.")
        return Text(text.format(id=frame.get("id", "?")), style="yellow")
    if kind == "notice":
        line = Text(style="yellow")
        if isinstance(frame.get("lang"), str):
            line.append(f"[{clean(frame['lang'])}] ", style="cyan")
        line.append("• " + _user_text(frame.get("message", frame.get("code", ""))))
        return line
    if kind == "error":
        line = Text("✗ " + _user_text(frame.get("message", "")), style="bold red")
        if frame.get("code"):
            line.append(f" ({clean(frame['code'])})", style="red")
        return line
    if kind == "presence":
        return _presence(frame, l10n)
    if kind == "mod":
        return Text(_mod_sentence(frame, l10n), style="magenta")
    if kind == "product":
        return _product(frame, l10n)
    # A frame this client does not know yet: shown as it came, never dropped.
    return Text(clean(json.dumps(frame, ensure_ascii=False)), style="dim")


def _counts(value: Any, l10n: Localizer) -> str:
    if not isinstance(value, dict) or not value:
        return "—"
    return " · ".join(
        f"{clean(lang)} {l10n.format_number(count) if as_int(count) is not None else '?'}"
        for lang, count in value.items()
    )


def _presence(frame: dict[str, Any], l10n: Localizer) -> Text:
    text = l10n.gettext("Viewers: {viewers}. Moderators: {moderators}.").format(
        viewers=_counts(frame.get("viewers"), l10n),
        moderators=_counts(frame.get("moderators"), l10n),
    )
    line = Text(text, style="dim")
    uncovered = frame.get("uncovered")
    if isinstance(uncovered, list) and uncovered:
        line.append(
            " " + l10n.gettext("No moderator: {langs}.").format(langs=_langs(uncovered)),
            style="yellow",
        )
    return line


def _product(frame: dict[str, Any], l10n: Localizer) -> Text:
    line = Text(style="bold green" if frame.get("action") != "unpin" else "dim")
    if isinstance(frame.get("lang"), str):
        line.append(f"[{clean(frame['lang'])}] ", style="cyan")
    name = _user_text(frame.get("name") or frame.get("sku", "?"))
    sku = clean(frame.get("sku", "?"))
    if frame.get("action") == "unpin":
        line.append(l10n.gettext("Unpinned: {name} ({sku})").format(name=name, sku=sku))
        return line
    prices = _list(frame.get("prices"))
    shown = [
        clean(p.get("display") or f"{p.get('amount', '?')} {p.get('currency', '')}".strip())
        for p in prices
        if isinstance(p, dict)
    ]
    line.append(l10n.gettext("Pinned: {name} ({sku})").format(name=name, sku=sku))
    if shown:
        line.append(" — " + " · ".join(shown))
    return line
