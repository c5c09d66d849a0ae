"""packbill's configuration, read once: from the command line's options, else from the
environment (``PACKBILL_*``), else the defaults. Nothing else reads the environment."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .storage.db import DEFAULT_URL


class Settings(BaseSettings):
    """What a packbill process needs to know.

    db: the database URL (``sqlite:///file.db`` or ``postgresql://user@host:port/db``).
    read_db: a streaming replica of the PostgreSQL database (none by default): ``serve`` reads the
    console's pages, exports, statements and reports from it once it has caught up with the
    primary (waiting ``replica_wait_seconds`` at most, then reading the primary).
    operator_token: the bootstrap operator's bearer token (none: no operator can sign in).
    catalog: a catalog TOML file (none: the shipped catalog).
    host, port, workers: where and with how many processes ``packbill serve`` listens.
    suspend_after_hours, reclaim_after_days: the arrears delays (R19).
    lateness_days: the lateness horizon (R23): usage stamped more than this many days before the
    server's clock is refused as ``too_late``; unset (the default), backfills of any age work.
    dispatch: ``serve`` delivers webhooks itself (R25); off when ``packbill dispatch`` runs apart.
    schedule, settle_at: ``serve`` settles every ended day at this time, Asia/Shanghai (one
    server wins when several run).
    sweep_seconds: how often ``serve`` raises the reminders of fresh usage (R26: within a minute).
    webhook_local: webhooks may reach any address, http:// included (tests, a lab; never production).
    webhook_allow: networks the operator's own webhook endpoints may reach although they are not
    public (``10.1.0.0/16, fd00::/8``); customers' endpoints never may.
    server, token: the command line works through this packbill server with this key (its role
    and the audit trail apply) instead of the database; ``packbill login`` keeps them in
    ``login_file``.
    """

    model_config = SettingsConfigDict(env_prefix="PACKBILL_", extra="ignore")

    db: str = DEFAULT_URL
    read_db: str | None = None
    replica_wait_seconds: float = Field(default=0.2, ge=0, le=10)
    """How long a read waits for the replica to replay what the primary has before it reads the primary."""
    server: str | None = None
    token: str | None = None
    login_file: str = Field(default_factory=lambda: str(Path.home() / ".config" / "packbill" / "login.json"))
    operator_token: str | None = None
    catalog: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    suspend_after_hours: float = Field(default=24, gt=0)
    """R19: hours in arrears before an account on balance terms is suspended."""
    reclaim_after_days: float = Field(default=15, gt=0)
    """R19: days suspended before it is reclaim_due."""
    lateness_days: int | None = Field(default=None, ge=1, le=36500)
    """R23: the lateness horizon in days (none: no horizon)."""
    dispatch: bool = True
    schedule: bool = True
    settle_at: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    sweep_seconds: float = Field(default=20, gt=0, le=60)
    webhook_local: bool = False
    chromium: str = "/usr/bin/chromium"
    """The browser that prints PDF statements."""
    webhook_allow: str = ""
    auth_failures_per_minute: int = Field(default=20, ge=1, le=100_000)
    """Bad tokens and failed console sign-ins an address may send within a minute before it is
    locked out for five minutes (429)."""
    header_timeout_seconds: float = Field(default=10, gt=0, le=300)
    """``serve``: a connection that has not sent a whole request head this long after opening
    (or after its last answer) is closed."""
    log_format: str = Field(default="json", pattern="^(json|text)$")
    """``serve``: one JSON object a line (with the request id), or plain text."""
    nats_url: str = "nats://127.0.0.1:4222"
    """``packbill consume``: the NATS server with JetStream."""
    dispatch_lease_seconds: float = Field(default=60, ge=1, le=3600)
    """R25: how long a delivery being sent is left to its dispatcher before another sends it again."""
    issuer_name: str = Field(default="", max_length=200)
    """R22: the operator's company name, printed on every statement as its issuer."""
    issuer_address: str = Field(default="", max_length=400)
    issuer_tax_id: str = Field(default="", max_length=64)
    """The issuer's taxpayer identification number (纳税人识别号)."""
    vat_rate: Decimal = Field(default=Decimal("0.06"), ge=0, le=Decimal("0.2"), decimal_places=4)
    """R33: the VAT rate of the invoices (发票) packbill splits: tax-inclusive amounts into net and tax."""
    topup_instructions: str = Field(default="", max_length=2000)
    """What a customer short of money is told to do (bank account, contact), shown where a
    purchase is refused for insufficient funds."""

    @field_validator("webhook_allow")
    @classmethod
    def _networks(cls, value: str) -> str:
        from .domain.netguard import parse_networks

        parse_networks(value)  # a bad network is refused at start, naming it
        return value

    def delays(self):
        from datetime import timedelta

        from .domain.wallet import Delays

        return Delays(timedelta(hours=self.suspend_after_hours), timedelta(days=self.reclaim_after_days))

    @classmethod
    def load(cls, **given) -> Settings:
        """Settings from ``given`` (options that were set), the environment for the rest."""
        return cls(**{k: v for k, v in given.items() if v is not None})
