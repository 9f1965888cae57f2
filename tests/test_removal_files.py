"""Removed text leaves the SQLite files, not only the rows.

``tuidang serve`` runs as a subprocess on its own data dir and SQLite file. A declarant sends an
alias through the form with a receipt, then uses the receipt page to remove it; at once, with
the server still running (a seizure of a live server), the main database file, its ``-wal`` and
``-shm`` are read byte by byte. Before the removal the alias must be in them (or the search
proves nothing); after it, neither the alias, its folded ``name_key`` nor the statement may be.
"""

import uuid
from datetime import date
from pathlib import Path

import pytest

from tests.declarations.test_declare import receipt_code_in
from tests.test_privacy_canary import MarkedClient
from tests.test_serve import Server
from tuidang.declarations.models import normalise_name

pytestmark = pytest.mark.slow


def database_bytes(data_dir: Path) -> dict[str, bytes]:
    """The SQLite database and its WAL and shared-memory files, as they are on disk now."""
    files = {}
    for suffix in ("", "-wal", "-shm"):
        path = data_dir / f"tuidang.sqlite3{suffix}"
        files[path.name] = path.read_bytes() if path.exists() else b""
    return files


def holding(files: dict[str, bytes], needles: list[bytes]) -> list[tuple[str, bytes]]:
    return [(name, needle) for name, data in files.items() for needle in needles if needle in data]


def test_removed_alias_is_in_no_database_file(tmp_path):
    marker = uuid.uuid4().hex[:12].upper()
    # Full-width letters and a space: the stored name_key (NFKC, casefolded, no spaces) differs
    # from the alias, so both are searched for.
    alias = f"Ｇｈｏｓｔ {marker} 影子"
    name_key = normalise_name(alias)
    statement = f"我声明退出中国共产党 {marker} statement"
    assert name_key != alias and marker.lower() in name_key
    needles = [alias.encode(), name_key.encode(), statement.encode(), marker.encode()]
    data_dir = tmp_path / "data"

    with Server(data_dir, workers=1, TUIDANG_DEBUG="") as server:
        client = MarkedClient(server.port, "Mozilla/5.0")
        status, _, _ = client.request("GET", "/en/declare/")
        assert status == 200
        status, headers, thanks = client.form(
            "/en/declare/",
            {
                "person-TOTAL_FORMS": "1",
                "person-INITIAL_FORMS": "0",
                "person-0-name": alias,
                "person-0-organisations": "party",
                "person-0-statement": statement,
                "person-0-region": "CN-SX",
                "declared_on": date.today().isoformat(),
                "want_receipt": "on",
                "send": "1",
            },
        )
        if status == 302:  # (a redirect to the thanks page before the code was kept nowhere)
            status, _, thanks = client.request("GET", headers["Location"])
        assert status == 200, thanks
        code = receipt_code_in(thanks)
        before = holding(database_bytes(data_dir), needles)
        assert {needle for _, needle in before} >= set(needles), before  # the positive control

        status, _, page = client.form(
            "/en/receipt/", {"code": code, "action": "remove", "confirm": "yes"}
        )
        assert status == 200 and "have been removed" in page

        # The WAL need not be empty: the background worker may write its own task rows after
        # the removal's checkpoint. What matters is that none of the removed text is in it.
        assert holding(database_bytes(data_dir), needles) == []
