"""Why no plan can be made: the planner's errors, each with its sentence for people."""

from __future__ import annotations

from livecommerce.core.messages import N_, Text


class PlanError(ValueError):
    """No plan can be made from these inputs; `text` is the sentence for people."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.template.format(**text.params))
        self.text = text


class PlanInputError(PlanError):
    """One input has a value the planner cannot take: the input's name and why."""

    def __init__(self, field: str, template: str, **params: object) -> None:
        self.field = field
        super().__init__(Text(template, {"field": field, **params}))


class UnknownZoneError(PlanError):
    """A time zone that is not in the IANA database."""

    def __init__(self, zone: str) -> None:
        self.zone = zone
        super().__init__(Text(N_("Unknown time zone: {zone}."), {"zone": zone}))


class NoSlotError(PlanError):
    """Fewer than `shows` slots fit the horizon with this length and gap; `found` do."""

    def __init__(self, shows: int, found: int) -> None:
        self.shows = shows
        self.found = found
        super().__init__(
            Text(
                N_("Only {found} of {shows} shows fit in the horizon with this length and gap."),
                {"found": found, "shows": shows},
            )
        )
