"""The command line over HTTP: ``packbill login`` and the server a command works through.

A finance or support person has a key, not the database's password. With ``--server URL`` and
``--token KEY`` (or ``PACKBILL_SERVER`` and ``PACKBILL_TOKEN``, or what ``packbill login`` kept),
the commands below work through that server with ``packbill.client``: the key's role decides
what they may do and the audit trail names the key. Without a server they work on the database
(``--db``), as the administrator's local work does. Both ways read the same figures in the API's
own shapes, so what they print is the same.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from pydantic import BaseModel

from .. import present
from ..client import ApiError, Client
from .common import fail, load_settings, out

ServerOpt = Annotated[str | None, typer.Option("--server", help="Work through this packbill server (https://...) instead of "
                                               "the database; else $PACKBILL_SERVER, else what packbill login kept.")]
TokenOpt = Annotated[str | None, typer.Option("--token", help="The key to use with --server; else $PACKBILL_TOKEN.")]

app = typer.Typer()
GROUPS: dict[str, typer.Typer] = {}


def connect(server: str | None, token: str | None, db: str | None = None) -> Client | None:
    """The server to work through (options, then the environment, then ``packbill login``'s
    file), or None: the database. ``--db`` given means the database."""
    if db is not None:
        return None
    settings = load_settings()
    server, token = server or settings.server or None, token or settings.token or None  # an empty variable is none
    if server is None:
        kept = _kept(Path(settings.login_file))
        server, token = kept.get("server"), token or kept.get("token")
    if server is None:
        return None
    if not token:
        fail(f"no key for {server}: give --token, set PACKBILL_TOKEN, or run `packbill login`")
    return Client(server, token)


def call(work):
    """Run a request of the client; a refusal is the command line's message, exit status 1."""
    try:
        return work()
    except ApiError as exc:
        fail(f"{exc.message} ({exc.code})")
    except httpx.HTTPError as exc:  # the network: say what went wrong, never a traceback
        fail(f"the server did not answer: {exc}")


def shaped(model: type[BaseModel], data: Any) -> dict[str, Any]:
    """What the API would answer for ``data``: the local figures read through the route's own
    response model, so that both ways print the same."""
    return model.model_validate(data).model_dump(mode="json")


def answer(result: BaseModel) -> dict[str, Any]:
    return result.model_dump(mode="json")


def money_text(text: str) -> str:
    """An amount as the API writes it ("2200.00"), as people read it ("2,200.00")."""
    return present.money(Decimal(text))


def beijing_text(text: str | None, seconds: bool = False) -> str:
    """A moment as the API writes it, in Beijing time as people read it ("" for none)."""
    return present.beijing(datetime.fromisoformat(text), seconds) if text else ""


def _kept(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@app.command()
def login(server: Annotated[str, typer.Option("--server", help="The packbill server, e.g. https://billing.example.com.")],
          token: Annotated[str, typer.Option("--token", prompt="key", hide_input=True, help="Your key (asked for when not given).")]) -> None:
    """Check the key with the server and keep both for the commands that work through it
    (in the login file, readable by you alone)."""
    with Client(server, token) as client:
        me = call(client.whoami)
    path = Path(load_settings().login_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"server": server, "token": token}, f)
    who = f"the {me.operator_role} key {me.actor}" if me.role == "operator" else f"account {me.account_id}"
    out().print(f"signed in to {server} as {who}; the login is kept in {path}")


@app.command()
def logout() -> None:
    """Forget the server and key ``packbill login`` kept."""
    path = Path(load_settings().login_file)
    if path.exists():
        path.unlink()
        out().print(f"signed out: {path} removed")
    else:
        out().print("not signed in")
