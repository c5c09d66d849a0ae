"""``packbill consume``: usage from NATS JetStream (see ``packbill.stream``)."""

from __future__ import annotations

import asyncio
import functools
import signal
from concurrent.futures.process import BrokenProcessPool
from typing import Annotated

import typer

from .. import services
from ..stream import Consumer
from .common import DbOpt, fail, load_settings, open_ctx, out

app = typer.Typer()
"""Commands at the top level."""
GROUPS = {}


@app.command()
def consume(
    nats_url: Annotated[str | None, typer.Option("--nats", help="The NATS server, or a cluster's servers comma-separated. "
                                                 "\\[default: $PACKBILL_NATS_URL, else nats://127.0.0.1:4222]")] = None,
    stream: Annotated[str, typer.Option(help="The JetStream stream of usage.")] = "USAGE",
    prefix: Annotated[str, typer.Option(help="Subjects are <prefix>.<account_id>.")] = "usage",
    durable: Annotated[str, typer.Option(help="The durable consumer every consumer process shares.")] = "packbill",
    dead: Annotated[str, typer.Option(help="Refused records go to <dead>.<account_id>, with the reason in a header.")] = "usage-dead",
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="Messages per transaction.")] = 1000,
    ack_wait: Annotated[float, typer.Option(min=1, help="Seconds before an unacknowledged batch is delivered again.")] = 30.0,
    until_idle: Annotated[float | None, typer.Option(help="Stop after this many seconds without a message.")] = None,
    replicas: Annotated[int, typer.Option(min=1, max=5, help="Copies of the streams when this consumer makes them (3 on a cluster of three).")] = 1,
    one_process: Annotated[bool, typer.Option("--one-process", help="Store in a thread of this process rather than in a writer "
                                              "process of its own (one core instead of two; slower).")] = False,
    db: DbOpt = None,
) -> None:
    """Store usage from NATS JetStream, batch by batch, acknowledging each batch only after its
    transaction commits (a consumer killed mid-batch loses nothing; the store counts each event
    once). A writer process stores each batch while this one fetches the next. Run several to
    share the work. SIGTERM finishes the batch in flight, then stops."""
    ctx = open_ctx(db)
    url = nats_url or load_settings(db=db).nats_url
    opener = None if one_process else functools.partial(writer_context, db)
    consumer = Consumer(ctx, url, stream, prefix, durable, dead, batch, ack_wait, replicas, opener)

    async def main():
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, consumer.stop.set)
        return await consumer.run(idle_exit=until_idle)

    try:
        stats = asyncio.run(main())
    except BrokenProcessPool:
        fail("the writer process stopped (killed, or out of memory); nothing it had not stored was acknowledged, so "
             "the stream delivers those batches again: start the consumer again")
    except OSError as exc:
        fail(f"cannot reach NATS at {url} ({exc}); check --nats and that nats-server -js is running")
    reasons = ", ".join(f"{k} {v}" for k, v in sorted(stats.reasons.items()))
    out().print(f"{stats.accepted} events stored, {stats.duplicates} duplicates counted once, {stats.dead} dead-lettered"
                  + (f" ({reasons})" if reasons else "") + f" in {stats.batches} batches")


def writer_context(db: str | None) -> services.Context:
    """The writer process's services: the same settings as the consumer's (``--db``, else the
    environment's)."""
    return open_ctx(db)
