"""The signed manifest of a static mirror, and the check of a mirror against it. No Django.

A mirror directory holds the files ``tuidang mirror export`` wrote and one more,
``MANIFEST_NAME``: a c2sp.org/signed-note (the format the log's checkpoints use) whose text is::

    tuidang mirror manifest v1
    <number of files>
    <SHA-256 in hex>  <path relative to the directory>
    ...

with one line per file, sorted by path, in the format ``sha256sum`` prints (so
``sha256sum -c`` checks the hashes too, though not the signature nor the absence of extra
files). The note is signed with the mirror key, an Ed25519 key of its own
(``<data dir>/secrets/mirror-signing.key``), never the log's: the log's key signs only
checkpoints that witnesses cosign, and a key that signed arbitrary exports could be made to
sign something that parses as one. ``tuidang mirror vkey`` prints its verifier key.

``verify`` refuses a mirror when the signature does not verify with the given key, when a
listed file is missing or differs, when a file is there that the manifest does not list
(a planted page), or when the manifest names a path that leaves the directory.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from tuidang.ledger import note
from tuidang.ledger.errors import LedgerError

MANIFEST_NAME = "MANIFEST.sig"
HEADER = "tuidang mirror manifest v1"
# A path the manifest may carry: relative, no "..", no spaces or control characters (it is
# one field of a line), nothing a file system would read differently.
SAFE_PATH = re.compile(r"^(?!/)(?!.*(?:^|/)\.\.?(?:/|$))[A-Za-z0-9._~%=+,@/-]+$")
_LINE = re.compile(r"^([0-9a-f]{64})  (\S+)$")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def files_under(directory: Path) -> list[str]:
    """Every regular file under ``directory``, as sorted relative POSIX paths, but the manifest.

    A symbolic link is listed too (and then fails the check): a mirror holds plain files only.
    """
    found = []
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in [*files, *(d for d in dirs if (Path(root) / d).is_symlink())]:
            relative = (Path(root) / name).relative_to(directory).as_posix()
            if relative != MANIFEST_NAME:
                found.append(relative)
    return sorted(found)


def manifest_text(directory: Path) -> str:
    """The manifest of every file now in ``directory``."""
    lines = [HEADER]
    paths = files_under(directory)
    lines.append(str(len(paths)))
    for path in paths:
        if not SAFE_PATH.match(path):
            raise ValueError(f"{path!r} cannot be named in a manifest")
        lines.append(f"{sha256_file(directory / path)}  {path}")
    return "\n".join(lines) + "\n"


def sign_directory(directory: Path, signer: note.Signer) -> int:
    """Write ``MANIFEST_NAME`` for ``directory``, signed by ``signer``; return the file count."""
    text = manifest_text(directory)
    (directory / MANIFEST_NAME).write_bytes(note.sign(text, signer))
    return int(text.split("\n")[1])


def parse_manifest(text: str) -> dict[str, str]:
    """Path -> hash from a manifest's (already verified) text; ValueError if malformed."""
    lines = text.rstrip("\n").split("\n")
    if len(lines) < 2 or lines[0] != HEADER or not lines[1].isdigit():
        raise ValueError("the manifest does not start with its header and file count")
    entries: dict[str, str] = {}
    for line in lines[2:]:
        match = _LINE.match(line)
        if not match or not SAFE_PATH.match(match[2]) or match[2] in entries:
            raise ValueError(f"malformed manifest line {line!r}")
        entries[match[2]] = match[1]
    if len(entries) != int(lines[1]):
        raise ValueError(f"the manifest says {lines[1]} files but lists {len(entries)}")
    if list(entries) != sorted(entries):
        raise ValueError("the manifest's lines are not sorted by path")
    return entries


@dataclass
class Report:
    files: int = 0
    signer: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(directory: Path, vkey: str) -> Report:
    """Check ``directory`` against its signed manifest and the mirror key ``vkey``."""
    report = Report()
    try:
        verifier = note.new_verifier(vkey)
    except LedgerError as e:
        report.problems.append(f"the verifier key is not one: {e}")
        return report
    try:
        opened = note.open((directory / MANIFEST_NAME).read_bytes(), [verifier])
    except OSError as e:
        report.problems.append(f"cannot read {MANIFEST_NAME}: {e.strerror}")
        return report
    except LedgerError as e:
        report.problems.append(f"{MANIFEST_NAME} is not signed by {verifier.name}: {e}")
        return report
    report.signer = verifier.name
    try:
        expected = parse_manifest(opened.text)
    except ValueError as e:
        report.problems.append(str(e))
        return report
    present = files_under(directory)
    for path in present:
        if path not in expected:
            report.problems.append(f"{path}: not in the manifest")
    for path, digest in expected.items():
        full = directory / path
        if full.is_symlink() or not full.is_file():
            report.problems.append(f"{path}: missing")
        elif sha256_file(full) != digest:
            report.problems.append(f"{path}: changed (SHA-256 differs)")
    report.files = len(expected)
    return report


def main(argv: list[str]) -> int:
    """``tuidang mirror verify DIR --vkey VKEY``: runs without Django, settings or database."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="tuidang mirror verify",
        description="Check a static mirror against its signed manifest.",
    )
    parser.add_argument("directory", type=Path)
    parser.add_argument(
        "--vkey",
        required=True,
        help="the mirror's verifier key (`tuidang mirror vkey` on the server), or a file holding it",
    )
    args = parser.parse_args(argv)
    vkey = args.vkey
    if "+" not in vkey and Path(vkey).is_file():
        vkey = Path(vkey).read_text().strip()
    report = verify(args.directory, vkey.strip())
    if report.ok:
        print(f"{report.files} files, manifest signed by {report.signer}: mirror intact")
        return 0
    for problem in report.problems:
        print(f"FAIL {problem}")
    print(f"mirror refused: {len(report.problems)} problem(s)")
    return 1
