"""The errors a user can meet, in one tree.

    LivecommerceError            one clear line for the user, an exit code for the CLI
    ├── ConfigError              a setting has a value it cannot take (exit 2)
    ├── StoreError               the database cannot be reached or migrated
    ├── SeedError                a seed file is broken (file, line, reason)
    └── ServeError               the server cannot start (port in use, …)

Each error carries its data and a message template marked for translation; the
template is translated in the reader's locale and filled with the data, so the same
error reads well in every language. A parameter may itself be a sentence (a `Text`,
such as the reason a seed file is broken): it is translated and filled the same way.
"""

from __future__ import annotations

import csv
import re
import tomllib
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
            key: gettext(value)
            if key in self.translated and isinstance(value, str) and value
            else render(value, gettext)
            for key, value in self.params.items()
        }
        return gettext(self.template).format(**params)


def render(value: object, gettext: Callable[[str], str] = str) -> object:
    """`value` as it is shown: a `Text` translated by `gettext` and filled with its
    parameters (sentences among them too); anything else as it is."""
    if not isinstance(value, Text):
        return value
    params = {key: render(param, gettext) for key, param in value.params.items()}
    return gettext(value.template).format(**params)


class ConfigError(LivecommerceError):
    """A setting has a value it cannot take: names the key, the value and what is expected."""

    template = N_("setting {key} = {value} (from {source}): expected {expected}")
    exit_code = 2
    translated = ("expected",)


class UnknownSettingError(ConfigError):
    template = N_("unknown setting {key} in {source}{hint}")


class ConfigFileError(ConfigError):
    template = N_("cannot read config file {path}: {reason}")
    translated = ("reason",)


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
    """A seed file is broken: `where` and `reason` are sentences (`Text`) or plain text
    (a record's label; a marked message such as "it is a folder")."""

    template = N_("seed file {path}, {where}: {reason}")
    exit_code = 4
    translated = ("reason",)


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
    """A schedule file is broken or names what the store does not know (`where` and
    `reason` as in SeedError)."""

    template = N_("schedule file {path}, {where}: {reason}")
    exit_code = 4
    translated = ("reason",)


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


# Why a file cannot be read, by kind of failure (messages shared with `orders import`).
NO_FILE = N_("there is no such file")
UNREADABLE: tuple[tuple[type[Exception], str], ...] = (
    (FileNotFoundError, NO_FILE),
    (IsADirectoryError, N_("it is a folder")),
    (PermissionError, N_("it may not be read")),
    (UnicodeDecodeError, N_("it is not UTF-8 text")),
    (csv.Error, N_("it is not a readable CSV file")),
)
# tomllib says where the file breaks in English: "... (at line 3, column 7)".
_TOML_PLACE = re.compile(r"\(at line (\d+), column (\d+)\)")


def why_unreadable(error: Exception) -> str | Text:
    """Why a file cannot be read at all, in words of ours (marked for translation)."""
    if isinstance(error, tomllib.TOMLDecodeError):
        place = _TOML_PLACE.search(str(error))
        if place is None:
            return N_("it is not valid TOML")
        return Text(
            N_("it is not valid TOML (line {line}, column {column})"),
            {"line": place.group(1), "column": place.group(2)},
        )
    for kind, why in UNREADABLE:
        if isinstance(error, kind):
            return why
    return error.strerror if isinstance(error, OSError) and error.strerror else str(error)


class UnknownCurrencyError(LivecommerceError):
    """A report asked in a currency nothing is priced or rated in: a clear error, not a
    report of zeros."""

    template = N_("no prices or exchange rates are known in {currency}; known: {known}")
    exit_code = 2
