"""`tuidang demo` and `tuidang serve` for real: no private key in the data dir, no file but the
service's own (issue 7, points 1 and 8).

Each command starts from umask 0o000, the loosest an operator's shell could have: whatever it
creates in the data directory (SQLite's files, logs, secrets, collected static files) must still
be readable by the service account alone.
"""

import base64
import contextlib
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from nacl.public import PublicKey

from tests.test_serve import Server
from tuidang.declarations import contacts

pytestmark = pytest.mark.slow


@contextlib.contextmanager
def umask(mask: int):
    """Child processes started inside inherit ``mask``, as from an operator's shell."""
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def environment(data: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "TUIDANG_DATA_DIR": str(data),
        "TUIDANG_DATABASE_URL": "",
        "TUIDANG_REDIS_URL": "",
        "TUIDANG_CONTACTS_PUBLIC_KEY": "",
        **extra,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def tuidang(data: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    with umask(0):
        return subprocess.run(
            [sys.executable, "-m", "tuidang.cli", *args],
            env=environment(data, **extra),
            capture_output=True,
            text=True,
            timeout=300,
        )


def open_to_others(root: Path) -> list[str]:
    """Every file or directory under ``root`` (itself included) that group or others can use."""
    loose = []
    for path in [root, *root.rglob("*")]:
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            continue  # a SQLite -shm or -journal file removed meanwhile
        if not stat.S_ISLNK(mode) and mode & 0o077:
            loose.append(f"{oct(stat.S_IMODE(mode))} {path}")
    return loose


def holds_key_bytes(root: Path, key_text: str) -> list[Path]:
    """Files under ``root`` holding the private key as text or raw bytes, read whole."""
    raw = base64.b64decode(key_text)
    return [
        path
        for path in root.rglob("*")
        if path.is_file() and (key_text.encode() in (data := path.read_bytes()) or raw in data)
    ]


def test_demo_keeps_the_private_key_outside_and_serve_refuses_it_inside(tmp_path):
    data, temporary = tmp_path / "data", tmp_path / "tmp"
    temporary.mkdir()
    demo = tuidang(data, "demo", "--declarations", "150", "--days", "20", "--seed", "3",
                   TMPDIR=str(temporary))  # fmt: skip
    assert demo.returncode == 0, demo.stderr

    # The demo says where the private half went, and that it is for trying only.
    assert "FOR TRYING ONLY" in demo.stdout
    assert "WARNING" in demo.stdout
    private = Path(re.search(r"private key \(opens them\): +(\S+)", demo.stdout).group(1))
    assert private.is_file()
    assert not private.resolve().is_relative_to(data.resolve())
    assert private.resolve().is_relative_to(temporary.resolve())
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    key_text = private.read_text().strip()
    public_file = data / "secrets" / "contacts-public.key"
    public = PublicKey(base64.b64decode(public_file.read_text()))
    assert contacts.load_private_key(private).public_key == public
    assert f"fingerprint: {contacts.fingerprint(public)}" in demo.stdout

    # Nothing in the data directory opens the demo's contacts; the key outside does.
    assert contacts.private_keys_in(data, public) == []
    assert holds_key_bytes(data, key_text) == []
    revealed = tuidang(data, "contacts", "reveal", "--key", str(private))
    assert revealed.returncode == 0, revealed.stderr
    assert "@example.invalid" in revealed.stdout

    assert open_to_others(data) == []

    # serve starts beside the public key alone, says which key it seals to, and shows it.
    with umask(0), Server(data, workers=1, fresh=True, TUIDANG_CONTACTS_PUBLIC_KEY="") as server:
        output = "".join(server.output)
        assert f"sealed to the key with fingerprint {contacts.fingerprint(public)}" in output
        status, body = server.get("/en/declare/")
        assert status == 200
        assert 'name="contact"' in body.decode()
        assert f"Key fingerprint: {contacts.fingerprint(public)}." in body.decode()
        assert open_to_others(data) == []  # SQLite's -wal and -shm exist now, logs too
        assert server.stop() == 0
    assert open_to_others(data) == []
    assert contacts.private_keys_in(data, public) == []

    # The private key copied anywhere into the data directory, under any name: no start.
    hidden = data / "static" / "admin" / "notes.txt"
    hidden.write_text(f"keep safe: {key_text}\n")
    refused = tuidang(data, "serve", "--port", "1", "--workers", "1")
    assert refused.returncode != 0
    assert "The private key for contact details is in the data directory" in refused.stderr
    assert str(hidden) in refused.stderr
    assert "tuidang: serving on" not in refused.stdout


def test_serve_without_a_key_makes_none_and_takes_no_contacts(tmp_path):
    data = tmp_path / "data"
    with umask(0), Server(data, workers=1, fresh=True, TUIDANG_CONTACTS_PUBLIC_KEY="") as server:
        assert "no public key for contact details" in "".join(server.output)
        for language, reason in [
            ("zh-hans", "本网站目前不接收联系方式"),
            ("zh-hant", "本網站目前不接收聯繫方式"),
            ("en", "This site takes no contact details at the moment"),
        ]:
            status, body = server.get(f"/{language}/declare/")
            assert status == 200
            assert 'name="contact"' not in body.decode()
            assert reason in body.decode()
        assert open_to_others(data) == []
        assert server.stop() == 0

    # Today's secrets (Django's key, the log's signing key) but no contacts key of any kind.
    secrets = sorted(p.name for p in (data / "secrets").iterdir())
    assert "log-signing.key" in secrets
    assert [name for name in secrets if "contacts" in name] == []
    assert (data / "logs" / "granian.log").exists()
    assert (data / "tuidang.sqlite3").exists()
    assert open_to_others(data) == []


def test_a_fresh_data_dir_is_the_services_alone_whatever_the_umask(tmp_path):
    data = tmp_path / "data"
    for command in [("migrate", "--verbosity", "0"), ("collectstatic", "--noinput", "-v", "0")]:
        result = tuidang(data, *command)
        assert result.returncode == 0, result.stderr
    assert (data / "tuidang.sqlite3").exists()
    assert (data / "static" / "tuidang" / "site.css").exists()
    assert (data / "logs").is_dir()
    assert open_to_others(data) == []


def test_a_data_dir_left_open_by_an_older_version_is_closed(tmp_path):
    data = tmp_path / "data"
    (data / "logs").mkdir(parents=True)
    (data / "logs" / "tuidang.log").write_text("old\n")
    (data / "logs" / "tuidang.log").chmod(0o644)
    data.chmod(0o755)
    result = tuidang(data, "migrate", "--verbosity", "0")
    assert result.returncode == 0, result.stderr
    assert open_to_others(data) == []
