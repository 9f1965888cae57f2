"""A pytest plugin loaded before Django's settings (``-p tests.isolation`` in pyproject.toml).

pytest-django imports ``tuidang.settings`` before any conftest.py is read, and the settings
fix the data directory on import (secrets, the log's signing key, the SQLite file, the log
files). So the data directory for the run is chosen here, when pytest imports its ``-p``
plugins: a fresh temporary directory for every run, never the checkout's ``var/`` nor an
instance named by a ``TUIDANG_DATA_DIR`` left in the environment. Subprocesses started by the
tests inherit it (or set their own). It is deleted after a run that passed and kept, with its
path printed, after one that failed, for its logs.
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

if "tuidang.settings" in sys.modules:  # pragma: no cover - a loading-order regression
    raise RuntimeError("tests.isolation must be loaded before tuidang.settings is imported")

DATA_DIR = Path(tempfile.mkdtemp(prefix="tuidang-test-")).resolve()
os.environ["TUIDANG_DATA_DIR"] = str(DATA_DIR)
# The key that seals case files lives outside the data dir (tuidang/cases/secrecy.py): a
# directory of its own, made (and kept empty until a test makes the key) beside it.
KEYS_DIR = Path(tempfile.mkdtemp(prefix="tuidang-test-keys-")).resolve()
os.environ["TUIDANG_CASES_KEY_FILE"] = str(KEYS_DIR / "cases.key")
# Every counted article view is written at once, so tests see it (tuidang/newsroom/toposts.py).
os.environ.setdefault("TUIDANG_TOP_POSTS_FLUSH_SECONDS", "0")

#: The checkout's own instance, which no test may create or change.
CHECKOUT_VAR = Path(__file__).resolve().parents[1] / "var"


def snapshot(directory: Path) -> dict[str, tuple[int, int]] | None:
    """Every file under ``directory`` with its size and modification time (None if absent)."""
    if not directory.exists():
        return None
    return {
        str(path.relative_to(directory)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in directory.rglob("*")
        if path.is_file()
    }


CHECKOUT_VAR_BEFORE = snapshot(CHECKOUT_VAR)


def pytest_report_header(config):
    return f"tuidang data dir: {DATA_DIR}"


def pytest_sessionfinish(session, exitstatus):
    after = snapshot(CHECKOUT_VAR)
    if after != CHECKOUT_VAR_BEFORE:
        changed = sorted(set((after or {}).items()) ^ set((CHECKOUT_VAR_BEFORE or {}).items()))
        session.config.get_terminal_writer().line(
            f"FAILED: the test run created or changed the checkout's {CHECKOUT_VAR}: "
            f"{[name for name, _ in changed][:10] or 'the directory itself'}",
            red=True,
        )
        session.exitstatus = 1
    if session.exitstatus == 0:
        shutil.rmtree(DATA_DIR, ignore_errors=True)
        shutil.rmtree(KEYS_DIR, ignore_errors=True)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if DATA_DIR.exists():  # kept: the run failed
        terminalreporter.write_line(f"tuidang data dir kept for inspection: {DATA_DIR}")
