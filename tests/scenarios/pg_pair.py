"""A PostgreSQL primary and its streaming replica of our own, on free loopback ports: initdb,
pg_basebackup -R, two pg_ctl clusters (run as the postgres user when the tests run as root, as
initdb refuses root). The machine's own cluster is left alone: its pg_hba has no replication line."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass

import psycopg
import pytest

from tests.conftest import _pg_mode

from .conftest import free_port


def _bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup"))
    return os.path.dirname(found[-1]) if found else None


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@dataclass
class Pair:
    folder: str
    bin: str
    primary_port: int
    replica_port: int

    def url(self, port: int, db: str = "packbill") -> str:
        return f"postgresql://postgres@127.0.0.1:{port}/{db}"

    @property
    def primary_url(self) -> str:
        return self.url(self.primary_port)

    @property
    def replica_url(self) -> str:
        return self.url(self.replica_port)

    def run(self, *args: str) -> None:
        subprocess.run(_as_postgres([os.path.join(self.bin, args[0]), *args[1:]]), check=True, capture_output=True, timeout=120)

    def sql(self, port: int, statement: str, db: str = "packbill"):
        with psycopg.connect(self.url(port, db), autocommit=True) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else []

    def start_replica(self) -> None:
        self.run("pg_ctl", "-D", f"{self.folder}/replica", "-l", f"{self.folder}/replica.log", "-w", "start")

    def stop_replica(self) -> None:
        self.run("pg_ctl", "-D", f"{self.folder}/replica", "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        for name in ("replica", "primary"):
            subprocess.run(_as_postgres([os.path.join(self.bin, "pg_ctl"), "-D", f"{self.folder}/{name}", "-m", "immediate", "stop"]),
                           capture_output=True, timeout=60)


def start_pair() -> Pair:
    """A primary with a database ``packbill``, and a hot standby streaming from it."""
    if _pg_mode() == "off":
        pytest.skip("PostgreSQL tests switched off (PACKBILL_TEST_PG=0)")
    binaries = _bin()
    if binaries is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        if _pg_mode() == "required":
            pytest.fail("the read replica test needs PostgreSQL's initdb, pg_ctl and pg_basebackup (and runuser as root)")
        pytest.skip("PostgreSQL's server binaries are not installed")
    folder = tempfile.mkdtemp(prefix="packbill-pg-pair-")
    os.chmod(folder, 0o777)
    pair = Pair(folder, binaries, free_port(), free_port())
    pair.run("initdb", "-D", f"{folder}/primary", "-A", "trust", "-U", "postgres", "--no-sync")
    with open(f"{folder}/primary/postgresql.conf", "a") as conf:
        conf.write(f"port = {pair.primary_port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{folder}'\n"
                   "wal_level = replica\nmax_wal_senders = 4\nfsync = off\n")
    with open(f"{folder}/primary/pg_hba.conf", "a") as hba:
        hba.write("host replication all 127.0.0.1/32 trust\n")
    pair.run("pg_ctl", "-D", f"{folder}/primary", "-l", f"{folder}/primary.log", "-w", "start")
    pair.sql(pair.primary_port, "CREATE DATABASE packbill", db="postgres")
    pair.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(pair.primary_port), "-U", "postgres", "-D", f"{folder}/replica", "-R", "-c", "fast",
             "-X", "stream")
    with open(f"{folder}/replica/postgresql.conf", "a") as conf:
        conf.write(f"port = {pair.replica_port}\nhot_standby_feedback = on\n")
    pair.start_replica()
    deadline = time.monotonic() + 30
    while pair.sql(pair.replica_port, "SELECT pg_is_in_recovery()") != [(True,)]:
        if time.monotonic() > deadline:
            raise RuntimeError("the replica did not come up in recovery")
        time.sleep(0.2)
    return pair


def remove(pair: Pair) -> None:
    pair.stop()
    shutil.rmtree(pair.folder, ignore_errors=True)
