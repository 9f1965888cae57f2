"""Two web tiers and their sequencers on one PostgreSQL database (docs/scaling.md, step 3).

Two ``tuidang serve`` processes stand in for two machines behind a load balancer: separate data
directories holding the same secrets and log key, one database. Declarations posted to both
must end up in one log, with no fork and no gap, that ``tuidang verify`` accepts.
"""

import http.client
import json
import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings

from tests.test_serve import Server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="runs in the PostgreSQL pass of the suite (set TUIDANG_DATABASE_URL to postgres://…)",
    ),
]

DECLARATIONS = 120


def scratch_database() -> str:
    """A fresh database on the suite's PostgreSQL server, for the two servers to share."""
    import psycopg

    db = settings.DATABASES["default"]
    name = f"tuidang_scaling_{uuid.uuid4().hex[:8]}"
    params = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"]}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://{params['user']}@{params['host']}:{params['port']}/{name}"


def drop_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    db = settings.DATABASES["default"]
    with psycopg.connect(
        dbname="postgres",
        autocommit=True,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def post(server: Server, body: dict) -> int:
    conn = server.connection()
    try:
        conn.request(
            "POST",
            "/api/v1/declarations",
            json.dumps(body).encode(),
            {"Content-Type": "application/json"},
        )
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def log_size(server: Server) -> int:
    status, body = server.get("/log/checkpoint")
    return int(body.decode().split("\n")[1]) if status == 200 else 0


def test_two_web_tiers_one_database_make_one_log(tmp_path):
    url = scratch_database()
    # Batches every second, however small, so the test does not wait for the hourly batch.
    env = {
        "TUIDANG_DATABASE_URL": url,
        "TUIDANG_RATE_LIMITS": "off",
        "TUIDANG_LOG_INTERVAL": "1",
        "TUIDANG_LOG_MIN_BATCH": "1",
    }
    try:
        with Server(tmp_path / "a", workers=2, **env) as first:
            # The second machine gets the same secrets (signing key, contacts public key).
            (tmp_path / "b").mkdir()
            shutil.copytree(tmp_path / "a" / "secrets", tmp_path / "b" / "secrets")
            with Server(tmp_path / "b", workers=2, **env) as second:
                statuses = [
                    post(
                        (first, second)[i % 2],
                        {
                            "people": [
                                {
                                    "name": f"云{i:03d}号",
                                    "organisations": ["league"],
                                    "region": "CN-GD",
                                }
                            ]
                        },
                    )
                    for i in range(DECLARATIONS)
                ]
                assert statuses == [201] * DECLARATIONS

                deadline = time.monotonic() + 60
                while min(log_size(first), log_size(second)) < DECLARATIONS:
                    assert time.monotonic() < deadline, "the log did not reach every declaration"
                    time.sleep(0.2)
                assert log_size(first) == log_size(second) == DECLARATIONS

                vkey = subprocess.run(
                    [sys.executable, "-m", "tuidang.cli", "log", "vkey"],
                    env={
                        **os.environ,
                        "TUIDANG_DATA_DIR": str(tmp_path / "a"),
                        "TUIDANG_DATABASE_URL": url,
                    },
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout.strip()
                for server in (first, second):
                    verified = subprocess.run(
                        [
                            sys.executable,
                            "-m",
                            "tuidang.cli",
                            "verify",
                            server.url,
                            "--vkey",
                            vkey,
                            "--day",
                            "all",
                            "--quiet",
                        ],
                        capture_output=True,
                        text=True,
                    )
                    assert verified.returncode == 0, verified.stderr

                conn = http.client.HTTPConnection("127.0.0.1", first.port, timeout=30)
                conn.request("GET", "/api/v1/tally")
                tally = json.loads(conn.getresponse().read())
                conn.close()
                assert tally["total"] == DECLARATIONS
                assert tally["organisations"]["league"] == DECLARATIONS
                assert second.stop() == 0
            assert first.stop() == 0
    finally:
        drop_database(url)
