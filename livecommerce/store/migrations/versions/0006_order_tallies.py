"""order_tallies: the orders tallied per minute, kept by a trigger, for the reports

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from livecommerce.store.schema import Micros, UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

KEYS = "show_ref, minute, sku, buyer_lang, buyer_country, currency"
COLUMNS = f"{KEYS}, orders, units, amount, exponent, odd, first_ts, last_ts"


def _sqlite_price(p: str) -> dict[str, str]:
    """SQLite keeps a price as the text of its Decimal. For a plain decimal (digits, at
    most one point, at most 6 decimals, under 10^12: its millionths fit SQLite's
    integers): its millionths, and the exponent of the
    Decimal read back (`Money` normalizes it: '189000' is 1.89E+5, exponent 3)."""
    point = f"instr({p}, '.')"
    decimals = f"(CASE WHEN {point} > 0 THEN length({p}) - {point} ELSE 0 END)"
    significant = f"(CASE WHEN {point} > 0 THEN length(rtrim({p}, '0')) - {point} ELSE 0 END)"
    whole = f"(CASE WHEN {point} > 0 THEN substr({p}, 1, {point} - 1) ELSE {p} END)"
    zeros = (
        f"(CASE WHEN rtrim({whole}, '0') = '' THEN 0"
        f" ELSE length({whole}) - length(rtrim({whole}, '0')) END)"
    )
    return {
        "plain": (
            f"({p} GLOB '[0-9]*' AND NOT {p} GLOB '*[^0-9.]*' AND NOT {p} GLOB '*.*.*'"
            f" AND NOT {p} GLOB '*.' AND {decimals} <= 6 AND length({whole}) <= 12)"
        ),
        "micros": (
            f"CAST(replace({p}, '.', '') AS INTEGER)"
            f" * CAST(substr('1000000', 1, 7 - {decimals}) AS INTEGER)"
        ),
        "exponent": f"(CASE WHEN {significant} > 0 THEN -{significant} ELSE {zeros} END)",
    }


def _sqlite_values(row: str) -> tuple[str, dict[str, str]]:
    price = _sqlite_price(f"{row}unit_price")
    return (
        f"coalesce({row}show_ref, ''), substr({row}ts, 1, 16) || '\\:00.000000', {row}sku,"
        f" {row}buyer_lang, {row}buyer_country, {row}currency"
    ), price


def _upgrade_sqlite() -> None:
    keys, price = _sqlite_values("NEW.")
    plain = price["plain"]
    op.execute(
        f"""
        CREATE TRIGGER orders_tally AFTER INSERT ON orders BEGIN
          INSERT INTO order_tallies ({COLUMNS})
          VALUES ({keys}, 1, NEW.qty,
                  CASE WHEN {plain} THEN NEW.qty * {price["micros"]} END,
                  CASE WHEN {plain} THEN {price["exponent"]} ELSE 0 END,
                  CASE WHEN {plain} THEN 0 ELSE 1 END,
                  NEW.ts, NEW.ts)
          ON CONFLICT ({KEYS}) DO UPDATE SET
            orders = orders + 1,
            units = units + excluded.units,
            amount = amount + excluded.amount,
            exponent = min(exponent, excluded.exponent),
            odd = odd + excluded.odd,
            first_ts = min(first_ts, excluded.first_ts),
            last_ts = max(last_ts, excluded.last_ts);
        END
        """
    )
    keys, price = _sqlite_values("")
    plain = price["plain"]
    op.execute(
        f"""
        INSERT INTO order_tallies ({COLUMNS})
        SELECT {keys}, count(*), sum(qty),
               CASE WHEN sum(NOT {plain}) = 0 THEN sum(qty * {price["micros"]}) END,
               min(CASE WHEN {plain} THEN {price["exponent"]} ELSE 0 END),
               sum(NOT {plain}), min(ts), max(ts)
        FROM orders GROUP BY 1, 2, 3, 4, 5, 6
        """
    )


def _postgres_rows(source: str) -> str:
    return f"""
        INSERT INTO order_tallies AS t ({COLUMNS})
        SELECT coalesce(show_ref, ''),
               date_trunc('minute', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
               sku, buyer_lang, buyer_country, currency,
               count(*), sum(qty), sum(unit_price * qty * 1000000),
               min(-scale(unit_price)), 0, min(ts), max(ts)
        FROM {source} GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT ({KEYS}) DO UPDATE SET
          orders = t.orders + excluded.orders,
          units = t.units + excluded.units,
          amount = t.amount + excluded.amount,
          exponent = least(t.exponent, excluded.exponent),
          odd = t.odd + excluded.odd,
          first_ts = least(t.first_ts, excluded.first_ts),
          last_ts = greatest(t.last_ts, excluded.last_ts)
    """


def _upgrade_postgres() -> None:
    op.execute(
        f"""
        CREATE FUNCTION orders_tally() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          {_postgres_rows("added")};
          RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER orders_tally AFTER INSERT ON orders REFERENCING NEW TABLE AS added"
        " FOR EACH STATEMENT EXECUTE FUNCTION orders_tally()"
    )
    op.execute(_postgres_rows("orders"))


def upgrade() -> None:
    op.create_table(
        "order_tallies",
        sa.Column("show_ref", sa.String(100), primary_key=True),
        sa.Column("minute", UtcDateTime(), primary_key=True),
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("buyer_lang", sa.String(16), primary_key=True),
        sa.Column("buyer_country", sa.String(2), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("amount", Micros()),
        sa.Column("exponent", sa.Integer(), nullable=False),
        sa.Column("odd", sa.Integer(), nullable=False),
        sa.Column("first_ts", UtcDateTime(), nullable=False),
        sa.Column("last_ts", UtcDateTime(), nullable=False),
        sqlite_with_rowid=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgres()
    else:
        _upgrade_sqlite()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS orders_tally ON orders")
        op.execute("DROP FUNCTION IF EXISTS orders_tally()")
    else:
        op.execute("DROP TRIGGER IF EXISTS orders_tally")
    op.drop_table("order_tallies")
