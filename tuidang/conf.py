"""Where tuidang keeps its state, and the secrets it makes for itself on first run.

Everything an instance owns lives under one data directory (``TUIDANG_DATA_DIR``, default
``default_data_dir()``): the SQLite database, the generated secrets, the centre's public key for sealing
contact details, the log's signing key and the server's log files. Nothing in it is ever
committed; backing up an instance means backing up this directory (or the PostgreSQL database
plus this directory's ``secrets/``).

The directory is the service account's alone: mode 0700, and every file in it 0600, whatever the
operator's umask. ``data_dir()`` sets the process's umask to 0o077 before anything is created
(SQLite's database and its -wal and -shm files, logs, secrets, collected static files), and every
child process (gunicorn, its workers, the sequencer) inherits it.
"""

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() not in {"0", "false", "no", "off"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


# Files: owner read and write only; directories: owner only. Set before any file is created.
PRIVATE_UMASK = 0o077


def default_data_dir() -> Path:
    """The data directory when ``TUIDANG_DATA_DIR`` is unset: the same from any directory.

    Run from a checkout (the package sits beside the ``pyproject.toml`` it was installed from,
    as ``scripts/setup`` does), it is the checkout's ``var/``; installed as a package, the
    user's data directory, ``$XDG_DATA_HOME/tuidang`` (``~/.local/share/tuidang``). Never the
    current directory: ``tuidang log vkey`` run elsewhere must print the instance's key, not
    make a new instance.
    """
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "tuidang" / "conf.py").is_file():
        return checkout / "var"
    xdg = env("XDG_DATA_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / "tuidang"


def data_dir() -> Path:
    os.umask(PRIVATE_UMASK)
    path = Path(env("TUIDANG_DATA_DIR") or default_data_dir()).resolve()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        # Made by an older version or by hand, under a looser umask: close it and what it holds.
        restrict_to_owner(path)
    return path


def restrict_to_owner(root: Path) -> None:
    """Take every group and other permission off ``root`` and everything under it."""
    for directory, _subdirectories, files in os.walk(root):
        for path in [directory, *(os.path.join(directory, name) for name in files)]:
            mode = os.lstat(path).st_mode
            if not stat.S_ISLNK(mode) and mode & 0o077:
                os.chmod(path, stat.S_IMODE(mode) & 0o700)


def secrets_dir() -> Path:
    path = data_dir() / "secrets"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def read_or_create_secret(name: str, make=lambda: secrets.token_urlsafe(50)) -> str:
    """Return the secret stored in ``secrets/<name>``, creating it (mode 0600) on first use.

    Several processes may start at once (web workers, the sequencer); ``O_EXCL`` makes exactly
    one of them write the file and the others read what it wrote.
    """
    path = secrets_dir() / name
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(100):
            value = path.read_text().strip()
            if value:
                return value
            # Another process created the file and has not written it yet.
            import time

            time.sleep(0.01)
        raise RuntimeError(f"{path} is empty; delete it to make a new secret") from None
    value = make()
    with os.fdopen(fd, "w") as f:
        f.write(value + "\n")
    return value


@dataclass(frozen=True)
class MailSettings:
    backend: str
    host: str = "localhost"
    port: int = 25
    user: str = ""
    password: str = ""
    tls: bool = False
    ssl: bool = False


NO_MAIL_BACKEND = "tuidang.mail.NotConfiguredBackend"
SMTP_BACKEND = "tuidang.mail.SMTPBackend"


def _flag(value: str, default: bool) -> bool:
    if value.strip() == "":
        return default
    return value.strip().lower() not in {"0", "false", "no", "off"}


def mail_settings(
    *, url: str, host: str, port: str, user: str, password: str, tls: str, ssl: str
) -> MailSettings:
    """Django's EMAIL_* settings from ``TUIDANG_EMAIL_URL`` or the separate variables.

    Nothing set means no outbound mail (``NO_MAIL_BACKEND`` refuses with a message saying so),
    never somebody else's relay. Encryption is the default: ``smtp://`` uses STARTTLS unless
    ``?tls=off``, ``smtps://`` TLS from the first byte.
    """
    if url:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ValueError(
                f"TUIDANG_EMAIL_URL must look like smtp://user:password@host:587 or "
                f"smtps://user:password@host:465, not {parts.scheme}://…"
            )
        query = parse_qs(parts.query)
        use_ssl = scheme == "smtps"
        return MailSettings(
            backend=SMTP_BACKEND,
            host=parts.hostname,
            port=parts.port or (465 if use_ssl else 587),
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            tls=not use_ssl and _flag(query.get("tls", [""])[0], True),
            ssl=use_ssl,
        )
    if host:
        use_ssl = _flag(ssl, False)
        return MailSettings(
            backend=SMTP_BACKEND,
            host=host,
            port=int(port) if port else (465 if use_ssl else 587),
            user=user,
            password=password,
            tls=not use_ssl and _flag(tls, True),
            ssl=use_ssl,
        )
    return MailSettings(backend=NO_MAIL_BACKEND)
