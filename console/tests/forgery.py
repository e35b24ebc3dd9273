"""What someone with write access to the console's database and an audit key can do.

The audit tests use these to show what the chain, the keys and the anchors find.
"""

from __future__ import annotations

import sqlalchemy as sa

from console import audit_chain, audit_keys, audit_log, tables


def run_sql(engine: sa.Engine, *statements: str) -> None:
    """Change the stored rows as someone with access to the database would."""
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(sa.text(statement))


def seal_again(
    engine: sa.Engine, key: bytes, *, first: int = 1, through: int | None = None
) -> None:
    """Seal the stored log again with ``key``, as a thief of the key would.

    Every entry from ``first`` up to ``through`` (to the newest, and then the head too,
    by default) is sealed to the one before it and marked with the key's id; those
    before ``first`` keep their seals.
    """
    kid = audit_keys.key_id(key)
    with engine.begin() as connection:
        rows = connection.execute(
            sa.select(tables.audit_log).order_by(tables.audit_log.c.id)
        ).all()
        previous = audit_chain.GENESIS
        for row in rows:
            if through is not None and row.id > through:
                break
            if row.id < first:
                previous = row.seal
                continue
            entry = audit_log.entry_of(row, key_id=kid)
            previous = audit_chain.entry_seal(key, previous, entry)
            connection.execute(
                sa.update(tables.audit_log)
                .where(tables.audit_log.c.id == row.id)
                .values(seal=previous, key_id=kid)
            )
        if through is None:
            audit_log.write_head(
                connection,
                audit_chain.sealed_head(
                    key, entries=len(rows), last_id=rows[-1].id, last_seal=previous
                ),
            )
