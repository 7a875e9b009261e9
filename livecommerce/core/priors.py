"""What a room knows of a sender's language before reading their message: the priors a
person would use (see `langid.Prior`).

- **History**: the languages the sender's own earlier messages were placed in (by the
  detector on evidence, or by a moderator's move), a few per person, oldest first. Once
  a viewer writes Uzbek, a short "ok" of theirs stays Uzbek.
- **Channels**: the languages the sender chose to read (none when they chose nothing).
- **Accept**: the browser's `Accept-Language`, mapped to the show's languages.

A person is a user id (`person_of`): a token's user, or a guest's id (its address and
name), the same across connections and processes. Not the guest's address key, as the
rate limit and bans use: many people share one address (a mobile carrier's NAT, a
shop's Wi-Fi), and one person's Uzbek must not become a neighbour's prior. Nobody gains
by faking a history, so the name a guest takes is good enough here.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Collection, Iterable

from livecommerce.core.langid import DECLARED, Detection, Prior
from livecommerce.core.models import Role
from livecommerce.core.routing import Member

# Placed languages kept per person: enough for a habit, few enough to follow a change.
HISTORY = 8
# People remembered per room; the one who wrote least recently is forgotten first.
PEOPLE = 10_000

# (text, declared, allowed, prior) -> the detection; `declared` is None when the sender
# declared nothing for this message.
Identify = Callable[[str, str | None, Collection[str], Prior], Detection]


def person_of(member: Member) -> str:
    """The person behind a connection, whose history it writes to and reads."""
    return member.user


class Priors:
    """Per person, the languages of their last placed messages, oldest first; bounded in
    languages per person (`size`) and in people (`people`)."""

    def __init__(self, size: int = HISTORY, people: int = PEOPLE) -> None:
        self.size = size
        self.people = people
        self._history: OrderedDict[str, deque[str]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._history)

    def learn(self, person: str, lang: str) -> None:
        """`person` wrote (or was moved to) `lang`, most recently."""
        if not person or self.size <= 0:
            return
        langs = self._history.get(person)
        if langs is None:
            langs = self._history[person] = deque(maxlen=self.size)
            while len(self._history) > self.people:
                self._history.popitem(last=False)
        else:
            self._history.move_to_end(person)
        langs.append(lang)

    def history(self, person: str) -> tuple[str, ...]:
        """The languages `person`'s placed messages were in, oldest first."""
        langs = self._history.get(person)
        return tuple(langs) if langs is not None else ()


def prior_of(member: Member, priors: Priors, languages: Collection[str]) -> Prior:
    """What is known of `member` before reading their message, among `languages`. Only a
    viewer's channels are their choice: staff read what their role gives them."""
    chose = member.declared and member.role is Role.VIEWER
    channels = tuple(lang for lang in languages if lang in member.langs) if chose else ()
    return Prior(
        history=priors.history(person_of(member)),
        channels=channels,
        accept=tuple(lang for lang in member.accept if lang in languages),
    )


def accepted_languages(tags: Iterable[str], allowed: Collection[str]) -> tuple[str, ...]:
    """Language tags (`uz-Latn-UZ`, `ru-RU`, `zh-CN`, `ug`, `kk_KZ`), most wanted first,
    as the codes of `allowed` they name, each once: the primary subtag decides."""
    found: list[str] = []
    for tag in tags:
        code = tag.strip().replace("_", "-").split("-")[0].lower()
        if code in allowed and code not in found:
            found.append(code)
    return tuple(found)


def keep_declared(
    text: str, declared: str | None, allowed: Collection[str], prior: Prior
) -> Detection:
    """No detector: the declared language, else what the priors say, else the first."""
    return Detection(_by_prior(declared, allowed, prior), confident=False, reason=DECLARED)


def _by_prior(declared: str | None, allowed: Collection[str], prior: Prior) -> str:
    if declared is not None and declared in allowed:
        return declared
    for lang in (*reversed(prior.history), *prior.channels, *prior.accept):
        if lang in allowed:
            return lang
    return next(iter(allowed))
