from pathlib import Path

import pytest
from django.conf import settings


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
