from pathlib import Path

import pytest
from django.conf import settings

from tests.base import make_contacts_key


def pytest_configure(config):
    # Tests hash passwords thousands of times; the real hasher is for real passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # `tuidang serve` collects the static files here; tests do not, and WhiteNoise would warn
    # in every test that the directory is missing.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters and login throttles never leak from one test to the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def contacts_key(tmp_path_factory) -> tuple[str, Path]:
    """The centre's key pair, made as on the offline machine: the private half in a temporary
    directory, never in any data directory. Returns (public key in base64, private key file)."""
    return make_contacts_key(tmp_path_factory.mktemp("offline"))


@pytest.fixture(autouse=True)
def _contacts_public_key(contacts_key, monkeypatch):
    """Every test runs like a correct deployment: the server has the public key only.

    Tests of a server with no key use ``tests.base.no_contacts_key()``; subprocesses inherit
    the variable unless a test clears it.
    """
    monkeypatch.setenv("TUIDANG_CONTACTS_PUBLIC_KEY", contacts_key[0])
