"""Apply the Alembic migrations shipped inside the package, safely from several processes."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).with_name("migrations")
_LOCK_KEY = 7_305_001  # pg advisory lock id for migrations


def alembic_config(connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (several servers may start at once)."""
    with engine.connect().execution_options(write=True) as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
            conn.commit()
        else:
            # A migration that rebuilds a table (SQLite's only way to change its keys) drops it while
            # other tables point at it: SQLite's documented procedure switches the links' checks off
            # for the migration, outside its transaction, and checks every link once it is done.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
        try:
            command.upgrade(alembic_config(conn), "head")
            conn.commit()
        finally:
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
                conn.commit()
            else:
                raw = conn.connection.driver_connection
                raw.execute("PRAGMA foreign_keys = ON")
                broken = raw.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migrated database has rows whose linked row is missing: {broken[:5]}")
