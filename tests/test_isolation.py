"""The suite runs in a data directory of its own and turns every skip into a failure."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings

import tuidang

CHECKOUT = Path(tuidang.__file__).resolve().parents[1]


def test_the_run_uses_a_temporary_data_dir_not_the_checkouts_var():
    data_dir = Path(settings.DATA_DIR)
    assert data_dir == Path(os.environ["TUIDANG_DATA_DIR"])
    assert data_dir.is_relative_to(Path(tempfile.gettempdir()).resolve())
    assert data_dir.name.startswith("tuidang-test-")
    assert not data_dir.is_relative_to(CHECKOUT)
    for path in (settings.STATIC_ROOT, settings.LOG_DIR):
        assert Path(path).is_relative_to(data_dir)
    database = str(settings.DATABASES["default"]["NAME"])
    assert str(CHECKOUT / "var") not in database


def run_pytest(tmp_path: Path, test_source: str) -> subprocess.CompletedProcess:
    """Run pytest on one test file under this project's configuration, in a subprocess.

    In a copy of the checkout's test configuration (pyproject.toml, tests/ without the
    vectors), so the probe never touches the real checkout, where another run may be going on.
    """
    copy = tmp_path / "checkout"
    copy.mkdir()
    shutil.copy(CHECKOUT / "pyproject.toml", copy)
    shutil.copytree(
        CHECKOUT / "tests", copy / "tests", ignore=shutil.ignore_patterns("vectors", "__pycache__")
    )
    test_file = copy / "tests" / "test_zz_probe.py"
    test_file.write_text(test_source)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(test_file)],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TUIDANG_DATABASE_URL": ""},
    )
    # The probe run failed on purpose, so it kept its data dir: delete it.
    kept = re.search(r"data dir kept for inspection: (\S+)", result.stdout)
    assert kept, result.stdout
    shutil.rmtree(kept[1])
    return result


def test_a_skip_is_a_failure_unless_explicitly_allowed(tmp_path):
    result = run_pytest(
        tmp_path,
        "import pytest\n"
        "def test_skips():\n    pytest.skip('redis is not there')\n"
        "@pytest.mark.skipif(True, reason='no chromium')\ndef test_skipif():\n    pass\n"
        "@pytest.mark.allow_skip('probe')\ndef test_allowed():\n    pytest.skip('fine')\n",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    # The skipif is reported as an error of the test's setup: a failure all the same.
    assert "1 failed, 1 skipped, 1 error" in result.stdout
    assert "Skip reason: Skipped: redis is not there" in result.stdout
    assert "no chromium" in result.stdout


def test_a_module_skipped_at_collection_is_a_failure(tmp_path):
    result = run_pytest(tmp_path, "import pytest\npytest.importorskip('no_such_module_anywhere')\n")
    assert result.returncode != 0, result.stdout + result.stderr
    assert "no_such_module_anywhere" in result.stdout
    assert "a test skipped" in result.stdout


def test_a_run_that_writes_into_the_checkouts_var_fails(tmp_path):
    var = tmp_path / "checkout" / "var"  # the var/ of the checkout copy the probe runs in
    result = run_pytest(
        tmp_path,
        "from pathlib import Path\n"
        "def test_writes():\n"
        f"    Path({str(var)!r}).mkdir()\n"
        f"    Path({str(var / 'probe')!r}).write_text('x')\n",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert f"created or changed the checkout's {var}: ['probe']" in result.stdout
