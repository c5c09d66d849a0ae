"""What every table of the schema shares: the one ``MetaData`` (with its naming convention),
the operator's account value and the autoincrementing key type. ``storage/schema.py`` reads as
the whole schema; its tables live there and in ``schema_operations.py`` and ``schema_wave3.py``."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

OPERATOR = ""
"""The account of the operator's own rows (audit records, events, deliveries): the account column
is part of every key, so it is never NULL (a distribution column cannot be)."""

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""An autoincrementing key (SQLite only autoincrements INTEGER PRIMARY KEY)."""
