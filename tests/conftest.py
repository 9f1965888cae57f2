from pathlib import Path

import pytest
from django.conf import settings

from tests.base import make_contacts_key

SKIP_IS_FAILURE = (
    "a test skipped: in this project a test that needs something missing fails instead "
    "(install what it needs; `.ci/run` shows how). Mark it @pytest.mark.allow_skip(reason) "
    "only if skipping can never hide a broken feature."
)


def pytest_configure(config):
    # Tests hash passwords thousands of times; the real hasher is for real passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # `tuidang serve` collects the static files here; tests do not, and WhiteNoise would warn
    # in every test that the directory is missing. So WhiteNoise serves the apps' sources, as
    # under runserver; the collected, pre-compressed files are tested through `serve`
    # (tests/test_compression.py).
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    settings.WHITENOISE_USE_FINDERS = True
    # Django's test client sends no Host header, which tuidang refuses under HTTP/1.1 as
    # every server must (tuidang.hosts); send one as every browser does.
    _send_host_like_a_browser()


def _send_host_like_a_browser() -> None:
    from django.test.client import RequestFactory

    base_environ = RequestFactory._base_environ

    def with_host(self, **request):
        environ = base_environ(self, **request)
        environ.setdefault("HTTP_HOST", environ["SERVER_NAME"])
        return environ

    RequestFactory._base_environ = with_host  # type: ignore[method-assign]


def _skip_to_failure(report, allowed: bool) -> None:
    if report.skipped and not allowed and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"{SKIP_IS_FAILURE}\nSkip reason: {reason}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Every skip is a failure, so a security test can never silently stop running."""
    report = yield
    _skip_to_failure(report, item.get_closest_marker("allow_skip") is not None)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    """The same for a whole module skipped while it is collected (pytest.importorskip)."""
    report = yield
    _skip_to_failure(report, False)
    return report


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
