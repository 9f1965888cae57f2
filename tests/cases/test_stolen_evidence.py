"""The stolen-database test for evidence moved between two servers.

A centre brings in a case with an evidence file (a JSON file with the file beside it, as a
converted spreadsheet would), exports it with ``--identities`` and imports the export into a
second, empty server with a key of its own. Then every file of both data directories is read
byte by byte: the evidence file's text, the file's name and who gave it must be in none of them.
With each server's key the file reads back whole, so the search is not vacuous.

Real command lines in subprocesses, on SQLite (the file an attacker would copy), the keys
outside the data directories.
"""

import hashlib
import json
import uuid
from pathlib import Path

import pytest

from tests.cases.test_stolen_database import encodings, tuidang

pytestmark = pytest.mark.slow


def leaks_in(data_dir: Path, needles: list[bytes]) -> list[tuple[str, bytes]]:
    files = [path for path in data_dir.rglob("*") if path.is_file()]
    assert any(path.name == "tuidang.sqlite3" for path in files)
    found = []
    for path in files:
        data = path.read_bytes()
        found += [(str(path), needle) for needle in needles if needle in data]
    return found


def test_evidence_moved_to_another_server_is_in_no_file_of_either_data_dir(tmp_path):
    marker = uuid.uuid4().hex[:10].upper()
    content = f"判决书 {marker} 判处有期徒刑十年 VERDICT-{marker}".encode()
    giver = f"GIVER-{marker}"
    filename = f"王建国-{marker}.pdf"
    spreadsheet = tmp_path / "from-the-spreadsheet"
    (spreadsheet / "scans").mkdir(parents=True)
    (spreadsheet / "scans" / "verdict.pdf").write_bytes(content)
    digest = hashlib.sha256(content).hexdigest()
    (spreadsheet / "cases.json").write_text(
        json.dumps(
            {
                "format": "tuidang-cases/1",
                "cases": [
                    {
                        "codename": "Willow",
                        "owner": "rita",
                        "people": [{"ref": "p", "pseudonym": "W1", "real_name": "王建国"}],
                        "evidence": [
                            {
                                "sha256": digest,
                                "file": "scans/verdict.pdf",
                                "filename": filename,
                                "description": f"The verdict {marker}",
                                "custody": [
                                    {
                                        "at": "2024-06-01T10:00:00+08:00",
                                        "action": "received",
                                        "counterpart": giver,
                                    }
                                ],
                            }
                        ],
                    }
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    servers = []
    for name in ("old", "new"):
        data_dir, key = tmp_path / name / "data", tmp_path / name / "keys" / "cases.key"
        tuidang(data_dir, key, "migrate", "--verbosity", "0")
        tuidang(data_dir, key, "cases", "keygen")
        tuidang(data_dir, key, "createstaff", "rita", "--role", "researcher", "--generate-password")
        servers.append((data_dir, key))
    (old_dir, old_key), (new_dir, new_key) = servers
    tuidang(old_dir, old_key, "cases", "import", str(spreadsheet / "cases.json"))
    moved = tmp_path / "moved"
    moved.mkdir()
    tuidang(
        old_dir, old_key, "cases", "export", "--identities", "--reason", "moving",
        "--out", str(moved / "cases.json"),
    )  # fmt: skip
    assert (moved / "evidence" / digest).read_bytes() == content
    tuidang(new_dir, new_key, "cases", "import", str(moved / "cases.json"))

    needles = [n for text in (content.decode(), giver, filename, marker) for n in encodings(text)]
    assert leaks_in(old_dir, needles) == []
    assert leaks_in(new_dir, needles) == []
    # With its key, the new server gives the file back whole, its chain of custody extended.
    again = tmp_path / "again"
    again.mkdir()
    tuidang(
        new_dir, new_key, "cases", "export", "--identities", "--reason", "check",
        "--out", str(again / "cases.json"),
    )  # fmt: skip
    assert (again / "evidence" / digest).read_bytes() == content
    evidence = json.loads((again / "cases.json").read_text(encoding="utf-8"))["cases"][0][
        "evidence"
    ][0]
    assert [link["action"] for link in evidence["custody"]] == [
        "received", "imported", "exported", "imported", "exported",
    ]  # fmt: skip
    assert evidence["custody"][0]["counterpart"] == giver
    assert evidence["filename"] == filename
