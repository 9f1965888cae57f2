"""Production installs only what the service runs; every package is pinned with its hashes."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Test, lint and type-check tools: in requirements-dev.lock, never in what production installs.
DEVELOPMENT_ONLY = {
    "coverage",
    "django-stubs",
    "gunicorn",
    "hypothesis",
    "mypy",
    "playwright",
    "pytest",
    "pytest-django",
    "ruff",
    "time-machine",
}


def pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text()
    found = dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+) \\$", text, re.M))
    requirements = [line for line in text.splitlines() if line and line[0].isalnum()]
    assert len(requirements) == len(found), f"{name}: a requirement that is not pinned with =="
    return found


def test_production_installs_no_test_or_lint_tool():
    runtime = pins("requirements.lock")
    assert {"django", "granian", "pynacl", "setuptools"} <= set(runtime)
    assert not DEVELOPMENT_ONLY & set(runtime)
    assert set(pins("requirements-dev.lock")) >= DEVELOPMENT_ONLY


def test_the_development_lock_pins_the_runtime_at_the_same_versions():
    runtime, development = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {name: development.get(name) for name in runtime} == runtime


def test_every_pin_carries_its_hashes_and_setup_requires_them():
    for name in ("requirements.lock", "requirements-dev.lock"):
        blocks = re.split(r"\n(?=[a-z0-9])", (ROOT / name).read_text())
        for block in blocks[1:]:
            assert "--hash=sha256:" in block, f"{name}: {block.splitlines()[0]} has no hash"
    setup = (ROOT / "scripts" / "setup").read_text()
    assert "--require-hashes" in setup
    assert "scripts/setup --dev" in (ROOT / "scripts" / "test").read_text()
    assert "scripts/setup --dev" in (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^scripts/setup$", (ROOT / "scripts" / "run").read_text(), re.M)
