"""Issue 28: schemathesis with every check, over the examples, coverage, fuzzing and stateful
phases, against a real ``packbill serve`` on each database: 0 failures. Requests the document
calls valid must be accepted, except where a rule depends on what no schema can state (the
server's clock, the catalog in force, the books, two parameters together):
``tests/api/schemathesis.toml`` names each such operation and its rule. After it, the books
audit clean (the ``server`` fixture). ``PACKBILL_ST_SEED`` runs another seed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import OPERATOR, serving

CONFIG = Path(__file__).resolve().parents[1] / "api" / "schemathesis.toml"


@pytest.fixture
def server(db_url, tmp_path):
    """A server whose bad-token lockout (tested on its own) does not turn schemathesis's requests
    without a token, which must be 401, into 429."""
    with serving(db_url, tmp_path, auth_failures_per_minute="100000") as srv:
        yield srv


def test_schemathesis_finds_nothing_with_every_check_and_phase(server, tmp_path):
    st = Path(sys.executable).with_name("st")
    done = subprocess.run(
        [str(st), "--config-file", str(CONFIG), "run", f"{server.url}/openapi.json", "-H", f"Authorization: Bearer {OPERATOR}",
         "--checks", "all", "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", "10",
         "--seed", os.environ.get("PACKBILL_ST_SEED", "1"), "--no-color", "--workers", "1"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert re.search(r"(\d+) generated, \1 passed", done.stdout), done.stdout[-3000:]  # every case passed, none failed
