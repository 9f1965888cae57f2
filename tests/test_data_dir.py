"""``TUIDANG_DATA_DIR``'s default is the same wherever a command is run from."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import tuidang

CHECKOUT = Path(tuidang.__file__).resolve().parents[1]


def environment(home: Path, **extra: str) -> dict[str, str]:
    """No TUIDANG_* at all, and a throwaway HOME: nothing real can be touched."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TUIDANG_", "XDG_"))}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(HOME=str(home), **extra)
    return env


def test_in_a_checkout_the_default_is_the_checkouts_var_from_any_directory(tmp_path):
    printed = set()
    for cwd in (CHECKOUT, tmp_path, CHECKOUT / "tests"):
        result = subprocess.run(
            [sys.executable, "-c", "from tuidang.conf import default_data_dir as d; print(d())"],
            cwd=cwd,
            env=environment(tmp_path / "home"),
            capture_output=True,
            text=True,
            check=True,
        )
        printed.add(result.stdout.strip())
    assert printed == {str(CHECKOUT / "var")}
    assert not (tmp_path / "var").exists()


def test_installed_log_vkey_prints_the_same_key_from_two_directories(tmp_path):
    # The package alone, as pip installs it (no pyproject.toml beside it): the default is the
    # user's data directory, here under a temporary XDG_DATA_HOME.
    site = tmp_path / "site"
    shutil.copytree(
        CHECKOUT / "tuidang", site / "tuidang", ignore=shutil.ignore_patterns("__pycache__")
    )
    data_home = tmp_path / "xdg-data"
    env = environment(tmp_path / "home", XDG_DATA_HOME=str(data_home), PYTHONPATH=str(site))
    keys = []
    for cwd in (tmp_path / "one", tmp_path / "two" / "deeper"):
        cwd.mkdir(parents=True)
        result = subprocess.run(
            [sys.executable, "-m", "tuidang.cli", "log", "vkey"],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        keys.append(result.stdout.strip())
        assert not (cwd / "var").exists()
    assert keys[0] == keys[1]
    assert keys[0].startswith("tuidang.localhost/log+")
    assert (data_home / "tuidang" / "secrets").is_dir()
    assert not (tmp_path / "home").exists() or not any((tmp_path / "home").rglob("*"))


def test_the_scripts_wrapper_runs_tuidang_from_any_directory(tmp_path):
    data = tmp_path / "data"
    result = subprocess.run(
        [str(CHECKOUT / "scripts" / "tuidang"), "log", "vkey"],
        cwd=tmp_path,
        env=environment(tmp_path / "home", TUIDANG_DATA_DIR=str(data)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("tuidang.localhost/log+")
    assert (data / "secrets").is_dir()
