"""The errors a user can meet, in one tree.

    LivecommerceError            one clear line for the user, an exit code for the CLI
    ├── ConfigError              a setting has a value it cannot take (exit 2)
    ├── StoreError               the database cannot be reached or migrated
    ├── SeedError                a seed file is broken (file, line, reason)
    └── ServeError               the server cannot start (port in use, …)

Each error carries its data and a message template marked for translation; the
template is translated in the reader's locale and filled with the data, so the same
error reads well in every language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from livecommerce.core.messages import N_, Text

__all__ = ["N_"]


class LivecommerceError(Exception):
    """Base of every error meant for a user: one line, no traceback."""

    template: ClassVar[str] = "{detail}"
    exit_code: ClassVar[int] = 1
    # Parameters that are themselves marked messages, translated with the template.
    translated: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **params: object) -> None:
        self.params = params
        super().__init__(self.message())

    def message(self, gettext: Callable[[str], str] = str) -> str:
        """The message in the language whose `gettext` is given (English by default)."""
        params = {
            key: gettext(value) if key in self.translated and isinstance(value, str) else value
            for key, value in self.params.items()
        }
        return gettext(self.template).format(**params)


class ConfigError(LivecommerceError):
    """A setting has a value it cannot take: names the key, the value and what is expected."""

    template = N_("setting {key} = {value} (from {source}): expected {expected}")
    exit_code = 2
    translated = ("expected",)


class UnknownSettingError(ConfigError):
    template = N_("unknown setting {key} in {source}{hint}")


class ConfigFileError(ConfigError):
    template = N_("cannot read config file {path}: {reason}")


class StoreError(LivecommerceError):
    template = N_("database {url} is not usable: {reason}")
    exit_code = 3


class DatabaseLockedError(StoreError):
    """Another process holds the SQLite file longer than the busy timeout."""

    template = N_(
        "database {path} is locked by another process (waited {seconds} s); "
        "try again when it is done"
    )


class SeedError(LivecommerceError):
    template = N_("seed file {path}, {where}: {reason}")
    exit_code = 4


class ServeError(LivecommerceError):
    template = N_("cannot serve on {host}:{port}: {reason}")
    exit_code = 5


class PortInUseError(ServeError):
    template = N_("cannot serve on {host}:{port}: the port is already in use")


class ShowNotFoundError(LivecommerceError):
    template = N_("there is no show {show}")
    exit_code = 6


class ImportFileError(LivecommerceError):
    template = N_("cannot import {path}: {reason}")
    exit_code = 4
    translated = ("reason",)


class ImportColumnsError(ImportFileError):
    template = N_("cannot import {path}: the header lacks the columns {columns}")


class UnknownStreamerError(LivecommerceError):
    template = N_("there is no streamer {streamer}")
    exit_code = 6


class UnknownMarketError(LivecommerceError):
    template = N_("there is no market {market}; the markets are {known}")
    exit_code = 6


class CannotPlanError(LivecommerceError):
    """The planner refused its inputs; `text` is the core's sentence, translated too."""

    template = N_("cannot plan: {reason}")
    exit_code = 2

    def __init__(self, text: Text) -> None:
        self.text = text
        super().__init__(reason=text.template)

    def message(self, gettext: Callable[[str], str] = str) -> str:
        reason = gettext(self.text.template).format(**self.text.params)
        return gettext(self.template).format(reason=reason)


class ScheduleError(LivecommerceError):
    """A schedule file is broken or names what the store does not know."""

    template = N_("schedule file {path}, {where}: {reason}")
    exit_code = 4

    def message(self, gettext: Callable[[str], str] = str) -> str:
        # The reason is translated when it is a marked sentence (its own parameters are
        # the error's other ones); the readers' English reasons pass through unchanged.
        params = dict(self.params)
        reason = gettext(str(params.pop("reason", "")))
        path, where = params.pop("path", "-"), params.pop("where", "-")
        if params:
            reason = reason.format(**params)
        return gettext(self.template).format(path=path, where=where, reason=reason)


class OutputFileError(LivecommerceError):
    """A file the user asked for cannot be written there (no folder, a folder, read-only)."""

    template = N_("cannot write {path}: {reason}")
    exit_code = 4
    translated = ("reason",)


def brief(error: BaseException) -> str:
    """An error in a few words, for a log line: its kind, and the first line of its
    message when it has one (drivers keep passwords out of theirs)."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text[:200]}" if text else type(error).__name__


class UnknownCurrencyError(LivecommerceError):
    """A report asked in a currency nothing is priced or rated in: a clear error, not a
    report of zeros."""

    template = N_("no prices or exchange rates are known in {currency}; known: {known}")
    exit_code = 2
