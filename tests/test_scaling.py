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
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.test_serve import Server

pytestmark = pytest.mark.slow

DECLARATIONS = 120

#: The PostgreSQL server this test makes its scratch database on, whatever database the rest of
#: the suite runs on: two machines sharing one database is inherently a PostgreSQL setup, so the
#: test runs in the SQLite pass too (and fails when there is no PostgreSQL).
POSTGRES_URL = (
    os.environ.get("TUIDANG_TEST_POSTGRES_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
)


def admin(sql: str) -> None:
    """One statement on the PostgreSQL server's maintenance database (CREATE/DROP DATABASE)."""
    import psycopg

    try:
        conn = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_URL} (set TUIDANG_TEST_POSTGRES_URL, or "
            f"install and start PostgreSQL: apt-get install postgresql; `.ci/run` starts it): "
            f"{error}"
        )
    with conn:
        conn.execute(sql)


def scratch_database() -> str:
    """A fresh database on the test PostgreSQL server, for the two servers to share."""
    name = f"tuidang_scaling_{uuid.uuid4().hex[:8]}"
    admin(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(POSTGRES_URL)._replace(path=f"/{name}"))


def drop_database(url: str) -> None:
    admin(f'DROP DATABASE IF EXISTS "{urlsplit(url).path[1:]}" WITH (FORCE)')


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
