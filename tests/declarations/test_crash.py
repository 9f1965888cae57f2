"""Crash safety with real processes: SIGKILL the sequencer at random moments during a load.

A loader process submits declarations (each one acknowledged once its transaction commits)
while ``tuidang sequencer`` is started and killed with SIGKILL again and again. After a final
run until idle, a checker process shows: no acknowledged declaration was lost, leaf indexes are
0..N-1 without gaps, every checkpoint ever signed matches the tree recomputed from the entries,
the stored tiles give the latest checkpoint's root, and the counters equal the log.
"""

import json
import os
import random
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
# Each submission is one acknowledged transaction of 1 to 3 people.
SUBMISSIONS = 120

LOADER = """
import django, sys
django.setup()
from datetime import date
from tuidang.declarations.models import Organisation, Submission
orgs = list(Organisation.objects.all())
for i in range(int(sys.argv[1])):
    people = [
        {"name": f"load{i}-{j}", "organisations": orgs[: 1 + (i + j) % len(orgs)],
         "statement": f"statement {i}-{j}", "region": ["CN-SX", "US", ""][(i + j) % 3]}
        for j in range(1 + i % 3)
    ]
    Submission.objects.submit(people=people, declared_on=date(2026, 11, 1 + i % 28),
                              channel=["web", "phone"][i % 2])
    print(i, flush=True)
"""

CHECKER = """
import django, json
django.setup()
from tuidang.transparency import logstore
from tuidang.transparency.logstore import Checkpoint, LogState
from tuidang.declarations.models import Person, TallyCounter
from tuidang.ledger import Checkpoint as Text, leaf_hash, new_verifier, open_note
from tuidang.ledger import root_from_leaf_hashes, tree_hash
from tuidang.ledger.entry import Entry, recount
state = LogState.objects.get(pk=1)
entries = logstore.read_entries(0, state.size)
leaves = [leaf_hash(e) for e in entries]
verifier = new_verifier(logstore.vkeys()[0])
checkpoints_ok = all(
    Text.parse(open_note(c.note, [verifier]).text).root_hash == bytes(c.root)
    == root_from_leaf_hashes(leaves[: c.size])
    for c in Checkpoint.objects.all()
)
latest = Checkpoint.objects.latest_signed()
counters = {k: v for k, v in TallyCounter.snapshot().items() if not k.startswith("rejected:")}
print(json.dumps({
    "accepted": Person.objects.filter(submission__status="accepted").count(),
    "unlogged": Person.objects.filter(submission__status="accepted", leaf_index=None).count(),
    "indexes": sorted(Person.objects.exclude(leaf_index=None).values_list("leaf_index", flat=True)),
    "size": state.size,
    "entries": len(entries),
    "checkpoints": Checkpoint.objects.count(),
    "checkpoints_ok": checkpoints_ok,
    "latest_is_tree": latest.size == state.size
        and bytes(latest.root) == tree_hash(state.size, logstore.TileReader(state.size))
        == bytes(state.root),
    "counters_ok": counters == dict(recount(Entry.decode(e) for e in entries)),
}))
"""


# The sequencer, instrumented for this test only: once a batch's tiles are written and its
# leaves not yet assigned (a batch half-written, its transaction open), it says so with the
# log size the batch started from, and with CRASH_HOLD set it waits there to be killed.
SEQUENCER = """
import os, sys, time, django
django.setup()
from django.core.management import call_command
from tuidang.declarations import sequencer
assign = sequencer._assign_leaves
def marked(updates):
    print("mid-batch", updates[0][0], flush=True)
    if os.environ.get("CRASH_HOLD"):
        time.sleep(30)
    assign(updates)
sequencer._assign_leaves = marked
call_command("sequencer", *sys.argv[1:])
"""


def first_line(stream, prefix: str, seconds: float) -> str:
    """The first whole line starting with ``prefix`` the process prints within ``seconds``.

    Reads the pipe unbuffered, so a line already printed is never left in a buffer that
    ``select`` cannot see. Returns "" if none came in time.
    """
    deadline = time.monotonic() + seconds
    data = b""
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([stream], [], [], left)
        if not ready:
            break
        chunk = os.read(stream.fileno(), 4096)
        if not chunk:
            break
        data += chunk
        for line in data.decode().splitlines(keepends=True):
            if line.endswith("\n") and line.startswith(prefix):
                return line
    return ""


def committed_size(url: str | None, data_dir: str) -> int:
    """The log size committed in the processes' database, read without Django."""
    query = "SELECT size FROM declarations_logstate WHERE id = 1"
    if url is None:
        import sqlite3

        with sqlite3.connect(Path(data_dir) / "tuidang.sqlite3") as db:
            row = db.execute(query).fetchone()
    else:
        import psycopg

        with psycopg.connect(url) as db:
            row = db.execute(query).fetchone()
    return row[0] if row else 0


def _admin(sql: str) -> None:
    """Run one statement on the PostgreSQL server outside any transaction (CREATE DATABASE)."""
    import psycopg

    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(sql)


def _database_url(name: str) -> str | None:
    """A fresh PostgreSQL database of its own, or None to use SQLite in the data dir.

    The test never touches the test database: the processes under test share a database of
    their own, like a real deployment.
    """
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return None
    db = settings.DATABASES["default"]
    _admin(f'DROP DATABASE IF EXISTS "{name}"')
    _admin(f'CREATE DATABASE "{name}"')
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing_and_never_forks():
    rng = random.Random(os.environ.get("CRASH_SEED", "6962"))
    with tempfile.TemporaryDirectory() as data_dir:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TUIDANG_")}
        env.update(
            TUIDANG_DATA_DIR=data_dir,
            DJANGO_SETTINGS_MODULE="tuidang.settings",
            TUIDANG_RATE_LIMITS="off",
            PYTHONPATH=str(ROOT),
        )
        url = _database_url(
            f"{settings.DATABASES['default']['NAME'].removeprefix('test_')}_crash_test"
        )
        if url:
            env["TUIDANG_DATABASE_URL"] = url

        def run(*args, **kwargs):
            return subprocess.run(
                [sys.executable, *args],
                env=env,
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
                timeout=120,
                **kwargs,
            )

        run("-m", "tuidang.cli", "migrate", "--no-input")
        loader = subprocess.Popen(
            [sys.executable, "-c", LOADER, str(SUBMISSIONS)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        kills = 0
        mid_batch_kills = 0  # kills that provably interrupted an open batch transaction
        try:
            while loader.poll() is None or kills < 4:
                # Every other run holds its first half-written batch open until killed; the
                # others are killed at a random moment of their work.
                hold = kills % 2 == 0
                sequencer = subprocess.Popen(
                    [
                        sys.executable,
                        "-c",
                        SEQUENCER,
                        "-v",
                        "2",
                        "--batch",
                        str(rng.choice([3, 7, 50, 256])),
                    ],
                    # Batches every 20 ms, however few are waiting: many batches to kill.
                    env={
                        **env,
                        "TUIDANG_LOG_INTERVAL": "0.02",
                        "TUIDANG_LOG_MIN_BATCH": "1",
                        **({"CRASH_HOLD": "1"} if hold else {}),
                    },
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                )
                # Starting Python and Django takes seconds on a busy machine: wait until it is
                # inside a batch or has signed something (or the load is over).
                patience = 20 if loader.poll() is None else 5
                line = first_line(sequencer.stdout, "mid-batch " if hold else "", patience)
                if not hold:
                    time.sleep(rng.uniform(0, 0.6))
                sequencer.send_signal(signal.SIGKILL)
                sequencer.wait()
                sequencer.stdout.close()
                kills += 1
                if hold and line.startswith("mid-batch "):
                    # Killed with the batch's tiles written and its transaction open: it must
                    # have rolled back whole, leaving the log where the batch started.
                    started_at = int(line.split()[1])
                    assert committed_size(url, data_dir) == started_at
                    mid_batch_kills += 1
                assert kills < 60, "the loader never finished"
        finally:
            out, err = loader.communicate(timeout=120)
        assert loader.returncode == 0, err
        acknowledged = len(out.split())
        assert acknowledged == SUBMISSIONS
        assert mid_batch_kills >= 1, "no kill landed inside a batch: the test proved nothing"

        run("-m", "tuidang.cli", "sequencer", "--once")
        result = json.loads(run("-c", CHECKER).stdout)

        if url:
            _admin(f'DROP DATABASE IF EXISTS "{urlparse(url).path[1:]}"')

    people = sum(1 + i % 3 for i in range(SUBMISSIONS))
    assert result["accepted"] == people  # every acknowledged declaration is there
    assert result["unlogged"] == 0
    assert result["indexes"] == list(range(people))
    assert result["size"] == result["entries"] == people
    assert result["checkpoints"] >= 2
    assert result["checkpoints_ok"]
    assert result["latest_is_tree"]
    assert result["counters_ok"]
