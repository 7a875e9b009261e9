"""A language detector for tests: a fake of the model (not of any I/O), with the
interface the room calls (`priors.Identify`)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from livecommerce.core.langid import DECLARED, Detection, Prior


@dataclass
class Reader:
    """Knows some texts by heart; any other is unsure, placed by the priors as a detector
    would (the latest history, the chosen channels, the browser, the show's languages).
    Keeps every call, to show what the room told it."""

    known: dict[str, Detection] = field(default_factory=dict)
    calls: list[tuple[str, str | None, Prior]] = field(default_factory=list)

    def __call__(
        self, text: str, declared: str | None, allowed: Collection[str], prior: Prior
    ) -> Detection:
        self.calls.append((text, declared, prior))
        if text in self.known:
            return self.known[text]
        guess = [*reversed(prior.history), *prior.channels, *prior.accept, *allowed]
        lang = declared or next(lang for lang in guess if lang in allowed)
        return Detection(lang, False, DECLARED, "Latn", unsure=True)
