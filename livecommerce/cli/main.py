"""The `livecommerce` command: serve, seed, check catalogs, document settings.

Every command that prints data has `--json`; errors are one clear line on stderr and
a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from livecommerce import config
from livecommerce.cli.console import REPORT_WIDTH, emit, env_localizer, l10n_for, with_settings
from livecommerce.config import Settings
from livecommerce.core.models import Role
from livecommerce.errors import LivecommerceError, ShowNotFoundError
from livecommerce.files import seeds
from livecommerce.store import open_store

PAGES = (
    ("/", "shows"),
    ("/healthz", "health"),
    ("/metrics", "metrics"),
    ("/api/streams", "API"),
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="TOML file of settings (also LIVECOMMERCE_CONFIG).",
)
@click.version_option(package_name="livecommerce")
def cli(config_file: Path | None) -> None:
    """Cross-border livestream commerce: plan shows, relay chat, review sales."""


@cli.command()
@with_settings
def serve(settings: Settings) -> None:
    """Serve pages, API and chat until Ctrl-C or SIGTERM."""
    from livecommerce.web.server import serve as run

    l10n = l10n_for(settings)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Migrations report each step at INFO; the server's own log is what matters here.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger().level))

    def announce(base: str) -> None:
        click.echo(l10n.gettext("livecommerce is serving on {url}").format(url=base))
        for path, _name in PAGES:
            click.echo(f"  {base}{path}")
        click.echo(l10n.gettext("Press Ctrl-C to stop."))
        sys.stdout.flush()

    asyncio.run(run(settings, announce=announce))
    click.echo(l10n.gettext("Stopped."))


@cli.command()
@with_settings
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def seed(settings: Settings, as_json: bool) -> None:
    """Load the demo world from the seeds folder (twice changes nothing)."""
    l10n = l10n_for(settings)

    async def load() -> dict[str, int]:
        store = open_store(settings.resolved_database_url)
        await store.start()
        try:
            await seeds.load(store, settings.seeds_dir)
            return await store.counts()
        finally:
            await store.close()

    counts = asyncio.run(load())
    if as_json:
        emit(counts)
        return
    labels = {
        "markets": l10n.gettext("Markets"),
        "streamers": l10n.gettext("Streamers"),
        "products": l10n.gettext("Products"),
        "shows": l10n.gettext("Shows"),
        "chat_messages": l10n.gettext("Chat messages"),
        "mentions": l10n.gettext("Product mentions"),
        "orders": l10n.gettext("Orders"),
        "exchange_rates": l10n.gettext("Exchange rates"),
    }
    click.echo(l10n.gettext("The demo world is loaded."))
    for table, label in labels.items():
        click.echo(f"  {label}: {l10n.format_number(counts.get(table, 0))}")


@cli.command()
@with_settings
@click.argument("show_id", metavar="SHOW")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print one CSV row per product.")
@click.option(
    "--html",
    "html_file",
    type=click.Path(path_type=Path, dir_okay=False, writable=True),
    default=None,
    help="Write a self-contained HTML report with charts to this file.",
)
@click.option(
    "--currency", default=None, help="Convert revenue into this currency (default: base_currency)."
)
def report(
    settings: Settings,
    show_id: str,
    as_json: bool,
    as_csv: bool,
    html_file: Path | None,
    currency: str | None,
) -> None:
    """Review a show: orders, revenue, products, markets, languages, questions."""
    from rich.console import Console

    from livecommerce.files.reports import csvfile, data, html, terminal
    from livecommerce.files.reports.view import build_view
    from livecommerce.services.reporting import review

    if currency is not None:
        settings = _with(settings, base_currency=currency.strip().upper())
    l10n = l10n_for(settings)

    async def load() -> tuple[Any, list[Any]]:
        store = open_store(settings.resolved_database_url)
        await store.start()
        try:
            return await review(store, show_id, settings.base_currency), await store.markets()
        finally:
            await store.close()

    with Console(stderr=True).status(l10n.gettext("Reviewing the show…")):
        found, markets = asyncio.run(load())
    if found is None:
        raise ShowNotFoundError(show=show_id)
    if as_json:
        emit(data.to_data(found))
    elif as_csv:
        click.echo(csvfile.to_csv(found, settings.locale.split("_")[0]), nl=False)
    else:
        view = build_view(found, l10n, markets)
        if html_file is not None:
            html.write(html_file, html.to_html(found, view, l10n, markets))
            click.echo(l10n.gettext("Report written to {path}").format(path=html_file))
        else:
            console = Console()
            if not console.is_terminal:
                # Into a file or a pipe nothing limits the width: print whole tables.
                console = Console(width=max(console.width, REPORT_WIDTH))
            terminal.render(view, console)


def _with(settings: Settings, **changes: str) -> Settings:
    """Settings with some values replaced, each checked like any other value."""
    rows = {row.name: row for row in config.table()}
    checked = {k: config.check(rows[k], v, f"--{k.split('_')[-1]}") for k, v in changes.items()}
    return dataclasses.replace(settings, **checked)


SHOWN_REJECTED = 200  # rejected rows printed one by one; --json lists every one
PROGRESS_LINES_FROM = 1000  # rows: smaller files import too fast to need progress lines


@cli.group()
def orders() -> None:
    """Orders from shops."""


@orders.command("import")
@with_settings
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def orders_import(settings: Settings, file: Path, as_json: bool) -> None:
    """Import orders from a CSV file (columns as in seeds/orders.csv); idempotent."""
    from rich.progress import Progress

    from livecommerce.files.orders_csv import Outcome, count_rows, import_orders

    l10n = l10n_for(settings)
    total = count_rows(file)
    stderr = _stderr()
    done = [0, -1]  # rows handled, tenths reported

    def report_progress(n: int) -> None:
        """Progress where no bar can be drawn (a log, a pipe): a line per tenth done."""
        done[0] += n
        tenth = done[0] * 10 // max(total, 1)
        if tenth > done[1] and total >= PROGRESS_LINES_FROM:
            done[1] = tenth
            message = l10n.gettext("Importing orders: {done} of {total} rows").format(
                done=l10n.format_number(done[0]), total=l10n.format_number(total)
            )
            click.echo(message, err=True)

    async def run() -> Outcome:
        store = open_store(settings.resolved_database_url)
        await store.start()
        try:
            skus = {p.sku for p in await store.products()}
            # Progress goes to stderr, so it never mixes into --json on stdout.
            with Progress(console=stderr, transient=True, disable=not stderr.is_terminal) as bar:
                task = bar.add_task(l10n.gettext("Importing orders"), total=total)
                return await import_orders(
                    store,
                    file,
                    skus,
                    datetime.now(UTC),
                    l10n,
                    progress=(lambda n: bar.advance(task, n))
                    if stderr.is_terminal
                    else report_progress,
                )
        finally:
            await store.close()

    outcome = asyncio.run(run())
    if as_json:
        emit(
            {
                "rows": outcome.rows,
                "accepted": outcome.accepted,
                "duplicates": outcome.duplicates,
                "rejected": [vars(r) for r in outcome.rejected],
            }
        )
    else:
        number = l10n.format_number
        click.echo(
            l10n.gettext(
                "Rows: {rows} · added: {accepted} · already known: {duplicates} · "
                "rejected: {rejected}"
            ).format(
                rows=number(outcome.rows),
                accepted=number(outcome.accepted),
                duplicates=number(outcome.duplicates),
                rejected=number(len(outcome.rejected)),
            )
        )
        for rejected in outcome.rejected[:SHOWN_REJECTED]:
            click.echo(
                l10n.gettext("line {line}: {reason}").format(
                    line=rejected.line, reason=rejected.reason
                ),
                err=True,
            )
        more = len(outcome.rejected) - SHOWN_REJECTED
        if more > 0:
            click.echo(
                l10n.ngettext(
                    "… and {n} more rejected row (--json lists them all)",
                    "… and {n} more rejected rows (--json lists them all)",
                    more,
                ).format(n=l10n.format_number(more)),
                err=True,
            )
    if outcome.rejected:
        raise SystemExit(1)


def _stderr() -> Any:
    from rich.console import Console

    return Console(stderr=True)


@cli.group()
def token() -> None:
    """Chat tokens: who someone is, their role and their languages."""


def _duration(text: str) -> timedelta:
    match = re.fullmatch(r"\s*(\d{1,6})\s*([smhd])\s*", text)
    if not match:
        raise click.BadParameter(f"{text!r}: expected a duration such as 30m, 12h or 7d")
    amount, unit = int(match.group(1)), match.group(2)
    seconds = amount * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]
    if not 0 < seconds <= 366 * 86400:
        raise click.BadParameter(f"{text!r}: expected a duration from 1s to 366d")
    return timedelta(seconds=seconds)


@token.command("create")
@with_settings
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default="viewer",
    show_default=True,
    help="What the holder may do.",
)
@click.option("--name", required=True, help="Display name in the chat.")
@click.option("--user", default=None, help="Stable user id (default: from the name).")
@click.option(
    "--langs",
    default="",
    help="Languages, comma-separated: kk,ru (moderators: what they moderate).",
)
@click.option("--stream", default=None, help="Only valid for this stream id.")
@click.option("--ttl", default="12h", show_default=True, help="How long it is valid: 30m, 12h, 7d.")
@click.option("--json", "as_json", is_flag=True, help="Print the token and its claims as JSON.")
def token_create(
    settings: Settings,
    role: str,
    name: str,
    user: str | None,
    langs: str,
    stream: str | None,
    ttl: str,
    as_json: bool,
) -> None:
    """Issue a signed, expiring chat token."""
    from livecommerce.core import tokens
    from livecommerce.core.langid import LANGUAGES
    from livecommerce.services.secret import load_secret

    name = name.strip()
    if not name or len(name) > 32:
        raise click.BadParameter("the name must be 1 to 32 characters", param_hint="--name")
    chosen = tuple(dict.fromkeys(p.strip().lower() for p in langs.split(",") if p.strip()))
    unknown = [lang for lang in chosen if lang not in LANGUAGES]
    if unknown:
        raise click.BadParameter(
            f"unknown language {unknown[0]!r}: expected some of {', '.join(LANGUAGES)}",
            param_hint="--langs",
        )
    if role == Role.MODERATOR.value and not chosen:
        raise click.BadParameter(
            "a moderator needs the languages they moderate", param_hint="--langs"
        )
    expires = datetime.now(UTC) + _duration(ttl)
    slug = re.sub(r"[\W_]+", "-", name.casefold()).strip("-")[:40]  # any script's letters
    user_id = user or ("u-" + slug if slug else "u-user")
    identity = tokens.Identity(
        user=user_id,
        name=name,
        role=Role(role),
        langs=chosen,
        stream=stream,
        expires=int(expires.timestamp()),
    )
    issued = tokens.issue(load_secret(settings), identity)
    if as_json:
        emit(
            {
                "token": issued,
                "user": user_id,
                "name": name,
                "role": role,
                "langs": list(chosen),
                "stream": stream,
                "expires": expires.isoformat(timespec="seconds").replace("+00:00", "Z"),
            }
        )
    else:
        click.echo(issued)


@cli.command("chat")
@with_settings
@click.argument("url")
@click.option("--lang", "langs", multiple=True, help="Languages to read, comma-separated: kk,ru.")
@click.option("--token", default=None, help="A chat token (see `token create`).")
@click.option("--name", default=None, help="Your display name as a guest.")
@click.option("--since", type=click.IntRange(min=0), default=None, help="Replay after this id.")
@click.option(
    "--zone", default=None, help="Time zone of the times shown (default: this computer's)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the raw frames as JSON lines.")
def chat(
    settings: Settings,
    url: str,
    langs: tuple[str, ...],
    token: str | None,
    name: str | None,
    since: int | None,
    zone: str | None,
    as_json: bool,
) -> None:
    """Chat in a stream from the terminal (ws://HOST:PORT/ws/streams/ID); /help in the chat."""
    from livecommerce.cli import chat as client

    status = client.main(
        settings,
        url=url,
        langs=langs,
        token=token,
        name=name,
        since=since,
        zone=zone,
        as_json=as_json,
    )
    if status:
        raise SystemExit(status)


@cli.group()
def i18n() -> None:
    """Translation catalogs."""


@i18n.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
def i18n_check(as_json: bool) -> None:
    """Fail on any untranslated, fuzzy or broken catalog entry."""
    from livecommerce.cli.i18n_check import check

    problems = check()
    l10n = env_localizer()
    if as_json:
        emit([{"locale": p.locale, "msgid": p.msgid, "reason": p.reason} for p in problems])
    else:
        for problem in problems:
            click.echo(str(problem), err=True)
        if not problems:
            click.echo(l10n.gettext("Every catalog is complete."))
    if problems:
        raise SystemExit(1)


@cli.group("config")
def config_group() -> None:
    """Settings."""


@config_group.command("show")
@with_settings
def config_show(settings: Settings) -> None:
    """Print the resolved settings as JSON."""
    shown = {row.name: getattr(settings, row.name) for row in config.table()}
    # Every key is masked by its kind, so a secret added later is masked too.
    for row in config.table():
        if row.kind is config.SECRET:
            shown[row.name] = "***" if shown[row.name] else ""
        elif row.kind is config.SHOP_SECRETS:
            shown[row.name] = {shop: "***" for shop in shown[row.name]}
    emit(shown)


@config_group.command("docs")
def config_docs() -> None:
    """Print docs/configuration.md, generated from the settings table."""
    click.echo(config.render_docs(), nl=False)


# `plan` and `schedule apply|list` live in their own module, which uses the helpers above.
from livecommerce.cli.plan import plan, schedule  # noqa: E402

cli.add_command(plan)
cli.add_command(schedule)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the command; turn every expected failure into one line."""
    try:
        cli.main(args=argv, prog_name="livecommerce", standalone_mode=False)
    except LivecommerceError as error:
        l10n = env_localizer()
        click.echo(f"livecommerce: {error.message(l10n.gettext)}", err=True)
        raise SystemExit(error.exit_code) from None
    except click.exceptions.Abort:
        raise SystemExit(130) from None
    except click.ClickException as error:
        # One line, like every other error; --help shows the usage.
        click.echo(f"livecommerce: {error.format_message()}", err=True)
        raise SystemExit(error.exit_code) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
