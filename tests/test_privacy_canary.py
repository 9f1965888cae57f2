"""The privacy canary: a marked client uses the real server, then we look everywhere for it.

``tuidang serve`` runs as a subprocess with its own data dir, SQLite and a Redis database of its
own. A client connects from a marked loopback address (127.77.77.77), with a marked user agent
and marked forwarding headers, and does what visitors do: reads the form, declares (with a
positive-control marker in the statement), uses the API, mistypes a URL, sends a malformed
request, fails a staff login, looks up a receipt. Then the server is stopped and the database
dump, every file in the data dir, the server's output and every Redis key and value are
searched. The address and the agent must be nowhere; the positive control must be in the
database (or the search proves nothing). No secret may be in Redis, no server process may still
show the client-key root in its environment, and one client has one key per hour whichever
worker answered (the workers share the secret in memory).
"""

import http.client
import json
import socket
import sqlite3
import uuid
from datetime import date
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.declarations.test_declare import receipt_code_in
from tests.test_serve import Server, descendants
from tuidang import privacy

pytestmark = pytest.mark.slow

REDIS_URL = "redis://127.0.0.1:6379/13"  # a spare database, perhaps shared with another run
# This run's own keys: another suite on the same machine may use database 13 at the same time,
# so the test never flushes it and counts only its own keys (it still searches every key for
# its markers, which are unique to the run).
REDIS_KEY_PREFIX = f"canary-{uuid.uuid4().hex[:12]}"
CLIENT_ADDRESS = "127.77.77.77"
FORWARDED_ADDRESS = "198.51.100.77"  # TEST-NET-2: claimed by the headers, never a real client


@pytest.fixture
def redis_db():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        pytest.fail(
            f"Redis is not reachable at {REDIS_URL}: install and start redis-server "
            f"(`.ci/run` starts one) ({error})"
        )
    yield client
    for key in client.scan_iter(match=f"{REDIS_KEY_PREFIX}:*", count=1000):
        client.delete(key)
    client.close()


class MarkedClient:
    """HTTP from the marked address, with the marked agent and headers, keeping cookies."""

    def __init__(self, port: int, agent: str):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.headers = {
            "User-Agent": agent,
            "X-Forwarded-For": f"{FORWARDED_ADDRESS}, {CLIENT_ADDRESS}",
            "X-Real-IP": FORWARDED_ADDRESS,
            "Forwarded": f"for={FORWARDED_ADDRESS};proto=http",
            "Referer": f"http://{CLIENT_ADDRESS}/{agent}",
            "Accept-Language": "zh-CN,zh;q=0.9",
        }

    def request(self, method: str, path: str, body: bytes | None = None, **headers: str):
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(CLIENT_ADDRESS, 0)
        )
        try:
            cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            all_headers = {**self.headers, **({"Cookie": cookie} if cookie else {}), **headers}
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, response.headers, text
        finally:
            conn.close()

    def form(self, path: str, fields: dict) -> tuple[int, object, str]:
        body = urlencode({**fields, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")})
        return self.request(
            "POST", path, body.encode(), **{"Content-Type": "application/x-www-form-urlencoded"}
        )

    def raw(self, data: bytes) -> bytes:
        """Bytes straight onto a socket: a request too malformed for any HTTP library."""
        with socket.create_connection(
            ("127.0.0.1", self.port), timeout=30, source_address=(CLIENT_ADDRESS, 0)
        ) as sock:
            sock.sendall(data)
            return sock.recv(65536)


def test_no_client_address_or_agent_is_kept_anywhere(tmp_path, redis_db):
    agent_marker = f"CanaryAgent{uuid.uuid4().hex}"
    positive = f"PositiveControl{uuid.uuid4().hex}"
    data_dir = tmp_path / "data"
    today = date.today().isoformat()

    with Server(
        data_dir,
        workers=2,
        TUIDANG_REDIS_URL=REDIS_URL,
        TUIDANG_REDIS_KEY_PREFIX=REDIS_KEY_PREFIX,
        TUIDANG_DEBUG="",
    ) as server:
        client = MarkedClient(server.port, f"Mozilla/5.0 ({agent_marker})")

        status, _, _ = client.request("GET", "/zh-hans/declare/")
        assert status == 200 and "csrftoken" in client.cookies
        status, _, thanks = client.form(
            "/zh-hans/declare/",
            {
                "person-TOTAL_FORMS": "1",
                "person-INITIAL_FORMS": "0",
                "person-MIN_NUM_FORMS": "1",
                "person-MAX_NUM_FORMS": "10",
                "person-0-name": "金丝雀",
                "person-0-organisations": "league",
                "person-0-statement": f"我声明退出共青团。{positive}",
                "person-0-region": "CN-GD",
                "declared_on": today,
                "contact": f"canary contact {positive}",
                "want_receipt": "on",
                "send": "1",
            },
        )
        assert status == 200, status
        code = receipt_code_in(thanks)
        assert code, thanks

        body = {
            "people": [{"name": "Canary API", "organisations": ["party"],
                        "statement": f"I quit. {positive}api"}],
            "date": today,
            "receipt": True,
        }  # fmt: skip
        status, _, answer = client.request(
            "POST", "/api/v1/declarations", json.dumps(body).encode(),
            **{"Content-Type": "application/json"},
        )  # fmt: skip
        assert status == 201, answer

        status, _, _ = client.request("GET", "/zh-hans/no-such-page/")
        assert status == 404
        # A form that fails validation (Django's 400) and a request the server cannot parse
        # (granian's own 400), and bodies refused from their headers (tuidang.bodylimit).
        status, _, _ = client.form("/zh-hans/declare/", {"person-TOTAL_FORMS": "x", "send": "1"})
        assert status == 400
        assert client.raw(b"NOT-HTTP \x00\x01 garbage\r\n\r\n").startswith(b"HTTP/1.1 400")
        assert client.raw(
            b"POST /zh-hans/declare/ HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n\r\n"
        ).startswith(b"HTTP/1.1 415")

        client.request("GET", "/zh-hans/staff/login/")
        status, _, page = client.form(
            "/zh-hans/staff/login/",
            {"username": "nobody", "password": "wrong", "code": "000000"},
        )
        assert status == 200  # the form again, with the refusal (and an audit event, below)
        assert "用户名、密码或验证码不正确" in page, page

        client.request("GET", "/zh-hans/receipt/")
        status, _, _ = client.form("/zh-hans/receipt/", {"code": code})
        assert status == 200
        status, _, _ = client.form("/zh-hans/receipt/", {"code": "00000-00000-00000"})
        assert status == 404

        # The root of the client-key ratchet was handed to the server in its environment: no
        # process may still show it there (``/proc/<pid>/environ``, readable without a debugger).
        handoff = f"{privacy.HANDOFF_VARIABLE}=".encode()
        blanked = 0
        for pid in descendants(server.process.pid):
            try:
                environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            except OSError:
                continue
            for entry in environ:
                if entry.startswith(handoff):
                    assert set(entry[len(handoff) :]) <= {ord("0")}, f"process {pid} shows it"
                    blanked += 1
        # Positive control: the server and its workers were started with it (then blanked it).
        assert blanked >= 3, "the root was never handed over: the search proves nothing"

        assert server.stop() == 0

    forbidden = [CLIENT_ADDRESS, FORWARDED_ADDRESS, agent_marker]

    database = data_dir / "tuidang.sqlite3"
    with sqlite3.connect(database) as db:
        dump = "\n".join(db.iterdump())
    assert positive in dump, "the positive control is missing: the search would prove nothing"
    with sqlite3.connect(database) as db:
        failed_logins = db.execute(
            "SELECT count(*) FROM accounts_auditevent WHERE action = 'login.failed'"
        ).fetchone()[0]
    assert failed_logins == 1, "the failed login did not reach the login check"
    found = {marker for marker in forbidden if marker in dump}
    assert not found, f"the database dump holds {found}"

    files = [path for path in data_dir.rglob("*") if path.is_file()]
    assert any(path.name == "granian.log" for path in files)
    assert any(path.name == "tuidang.log" for path in files)
    for path in files:
        content = path.read_bytes()
        found = {marker for marker in forbidden if marker.encode() in content}
        assert not found, f"{path.relative_to(data_dir)} holds {found}"

    output = "".join(server.output)
    found = {marker for marker in forbidden if marker in output}
    assert not found, f"the server's output holds {found}"

    keys = []
    for key in redis_db.scan_iter(count=1000):
        if key.startswith(f"{REDIS_KEY_PREFIX}:".encode()):
            keys.append(key)
        value = redis_db.dump(key) or b""
        found = {m for m in forbidden if m.encode() in key or m.encode() in value}
        assert not found, f"Redis key {key!r} holds {found}"
        assert b"secret" not in key, f"Redis holds a secret: {key!r}"
    assert any(b":rl:" in key for key in keys), "no rate-limit keys: was Redis used at all?"
    # One client, one key per hour, whichever worker answered: the workers share the secret
    # (in memory) that no Redis key holds. Login counts are keyed by account, not by client.
    windows = {"submit": 3600, "receipt": 3600, "burst": 600}
    keys_per_hour: dict[int, set[bytes]] = {}
    for key in (key for key in keys if b":rl:" in key):
        _, _, scope, client_key, slot = key.rsplit(b":", 4)
        if scope.decode() in windows:
            hour = int(slot) * windows[scope.decode()] // 3600
            keys_per_hour.setdefault(hour, set()).add(client_key)
    assert keys_per_hour and all(len(k) == 1 for k in keys_per_hour.values()), keys_per_hour
