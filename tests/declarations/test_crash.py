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
from tuidang.declarations import logstore
from tuidang.declarations.logstore import Checkpoint, LogState
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
        try:
            while loader.poll() is None or kills < 4:
                sequencer = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "tuidang.cli",
                        "sequencer",
                        "-v",
                        "2",
                        "--batch",
                        str(rng.choice([3, 7, 50, 256])),
                    ],
                    # Batches every 20 ms, however few are waiting: many batches to kill.
                    env={**env, "TUIDANG_LOG_INTERVAL": "0.02", "TUIDANG_LOG_MIN_BATCH": "1"},
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                )
                # Starting Python and Django takes seconds on a busy machine: wait until it has
                # signed something (or the load is over), then kill it at a random moment of its
                # work in small batches: mid-batch, mid-signature or between batches.
                patience = 20 if loader.poll() is None else 5
                ready, _, _ = select.select([sequencer.stdout], [], [], patience)
                if ready:
                    sequencer.stdout.readline()
                time.sleep(rng.uniform(0, 0.6))
                sequencer.send_signal(signal.SIGKILL)
                sequencer.wait()
                sequencer.stdout.close()
                kills += 1
                assert kills < 60, "the loader never finished"
        finally:
            out, err = loader.communicate(timeout=120)
        assert loader.returncode == 0, err
        acknowledged = len(out.split())
        assert acknowledged == SUBMISSIONS

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
