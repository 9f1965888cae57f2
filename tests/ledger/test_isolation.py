"""tuidang.ledger must stand alone: no Django, nothing else from tuidang."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import tuidang.ledger
print(json.dumps(sorted(sys.modules)))
"""


def test_importing_the_ledger_pulls_in_no_django_and_no_other_tuidang_module() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    modules = json.loads(out)
    assert "tuidang.ledger" in modules
    assert [m for m in modules if m == "django" or m.startswith("django")] == []
    outside = [
        m for m in modules if m.startswith("tuidang.") and not m.startswith("tuidang.ledger")
    ]
    assert outside == []
