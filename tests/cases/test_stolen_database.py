"""The stolen-database test: a case imported with a marked real name, then every file of the
data directory read byte by byte. The name must be in none of them, in any spelling or encoding
we can think of; nor in the JSON export made without --identities (whose narratives carry
pseudonyms in place of names). With the key (kept outside
the data dir) the same name reads back, so the search is not vacuous.

It runs the real command line in a subprocess on a data directory of its own, on SQLite (the
file an attacker would copy), with the key file outside that directory.
"""

import contextlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from opencc import OpenCC

pytestmark = pytest.mark.slow


def tuidang(data_dir: Path, key: Path, *args: str) -> str:
    env = {
        **os.environ,
        "TUIDANG_DATA_DIR": str(data_dir),
        "TUIDANG_CASES_KEY_FILE": str(key),
        "TUIDANG_DATABASE_URL": "",
    }
    result = subprocess.run(
        [sys.executable, "-m", "tuidang.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def encodings(text: str) -> list[bytes]:
    found = [text.encode("utf-8"), text.encode("utf-16-le"), text.encode("utf-16-be")]
    for codec in ("gb18030", "big5"):
        with contextlib.suppress(UnicodeEncodeError):
            found.append(text.encode(codec))
    return found


def test_a_stolen_data_dir_reveals_no_name(tmp_path):
    marker = uuid.uuid4().hex[:8].upper()
    name = "张小明"
    secret_bits = [
        f"{name}{marker}",
        OpenCC("s2t").convert(name) + marker,
        f"Zhang Xiaoming {marker}",
        f"ADDR-{marker}",
        f"NARR-{marker}",
    ]
    case_file = tmp_path / "case.json"
    case_file.write_text(
        json.dumps(
            {
                "format": "tuidang-cases/1",
                "cases": [
                    {
                        "codename": "Willow",
                        "owner": "rita",
                        "people": [
                            {
                                "ref": "p",
                                "pseudonym": "W1",
                                "real_name": secret_bits[0],
                                "other_names": secret_bits[1:3],
                                "birth_date": "1971-03-02",
                                "address": secret_bits[3],
                                "region": "CN-JL",
                            }
                        ],
                        "events": [
                            {
                                "ref": "e",
                                "title": "Arrest",
                                "description": f"{secret_bits[0]} was taken. {secret_bits[4]}",
                                "region": "CN-JL",
                                "date": "2004-05-06",
                            }
                        ],
                        "acts": [{"event": "e", "victim": "p", "type": "arrest", "status": "held"}],
                    }
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    data_dir, key = tmp_path / "data", tmp_path / "keys" / "cases.key"
    tuidang(data_dir, key, "migrate", "--verbosity", "0")
    tuidang(data_dir, key, "cases", "keygen")
    tuidang(data_dir, key, "createstaff", "rita", "--role", "researcher", "--generate-password")
    tuidang(data_dir, key, "cases", "import", str(case_file))
    export = tuidang(data_dir, key, "cases", "export")
    # The demo-style operator check: with the key, the name is there.
    full = tuidang(data_dir, key, "cases", "export", "--identities", "--reason", "test")
    assert secret_bits[0] in full and secret_bits[4] in full

    needles = [needle for bit in [*secret_bits, marker] for needle in encodings(bit)]
    assert key.exists() and not str(key).startswith(str(data_dir))
    leaks = []
    files = [path for path in data_dir.rglob("*") if path.is_file()]
    assert any(path.name == "tuidang.sqlite3" for path in files)
    for path in files:
        data = path.read_bytes()
        leaks += [(str(path), needle) for needle in needles if needle in data]
    assert not leaks, leaks
    # Without --identities the export names nobody, in the narratives neither.
    assert not [bit for bit in secret_bits[:4] if bit in export]
    assert f"W1 was taken. {secret_bits[4]}" in export
