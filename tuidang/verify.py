"""``tuidang verify``: an independent auditor's check of a tuidang site, a mirror or a log export.

Built on nothing but the standard library and :mod:`tuidang.ledger`, so that a sceptic can read
all of it, and run it without Django or a database (a test makes sure no Django module is ever
imported). docs/verifying.md explains what it proves and what each failure means.

Checking a site (``SITE`` is the base URL, or a directory written by ``tuidang log export``):

1. the checkpoint's signature with the given ``--vkey``\\ s;
2. with ``--state FILE``, that the new checkpoint extends the one saved by the last run (a log
   that rolled back or showed a different tree to someone else fails here), then saves it;
3. every entry bundle and hash tile of the tree, recomputing the root from the entries;
4. that every number of ``/api/v1/tally`` (total, organisations, regions, countries, channels,
   days, months, rejections by reason) is the count recomputed from the entries, and the total
   plus the rejections is the log's size;
5. that every published statement of the chosen days opens its entry's commitment and carries
   the entry's facets (date, organisations, region, channel).

``tuidang verify --receipt FILE`` checks one ``c2sp.org/tlog-proof`` receipt offline, and with a
SITE also that the site's current log still contains it.

Exit status: 0 when everything matches, 1 on any mismatch (one line per problem on stderr),
2 on a usage error.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import bisect
import datetime
import http.client
import json
import os
import re
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter
from pathlib import Path

from tuidang.ledger import (
    Checkpoint,
    LogClient,
    caching_fetch,
    full_tile_fallback,
    new_verifier,
    open_note,
    parse_proof,
    verify_consistency,
    verify_proof,
)
from tuidang.ledger.entry import (
    DOSSIER_VERSION,
    REJECTION_VERSION,
    SALT_SIZE,
    DossierAnchor,
    Entry,
    Rejection,
    counter_keys,
)
from tuidang.ledger.errors import FormatError, LedgerError, ProofError, SignatureError, TileError
from tuidang.ledger.note import Verifier
from tuidang.ledger.tiles import TILE_WIDTH, entries_path, parse_tile_path, tile_path

#: How many of the most recent days with declarations are checked when no ``--day`` is given.
DEFAULT_DAYS = 7
#: Published numbers ``/api/v1/tally`` carries that the log can recompute, and their counter keys.
TALLY_SECTIONS = {
    "organisations": "org:",
    "regions": "region:",
    "countries": "country:",
    "channels": "channel:",
    "days": "day:",
    "months": "month:",
    "rejected": "rejected:",
}
USER_AGENT = "tuidang-verify/1"
HTTP_TIMEOUT = 60
HTTP_ATTEMPTS = 3
PREFETCH_DEPTH = 16
PREFETCH_THREADS = 8
# The log may grow between reading the checkpoint and reading the tally; try a few times to read
# both of the same moment before calling a difference a mismatch.
SNAPSHOT_ATTEMPTS = 5
SNAPSHOT_PAUSE = 1.0
MAX_PROBLEMS_SHOWN = 50
CHUNK = 4096

# Every entry ends with "commitment <canonical base64 of 32 bytes>\n": 56 bytes whose last
# base64 digit carries 4 bits (so only 16 letters are canonical) and one padding "=".
_COMMITMENT_LINE = re.compile(rb"commitment [A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=\n")
_COMMITMENT_LINE_SIZE = 56
_facets_of = itemgetter(slice(None, -_COMMITMENT_LINE_SIZE))
_commitment_of = itemgetter(slice(-_COMMITMENT_LINE_SIZE, None))
_second = itemgetter(1)
_PLACEHOLDER_COMMITMENT = b"commitment " + base64.b64encode(bytes(32)) + b"\n"
_REJECTION_START = REJECTION_VERSION.encode() + b"\n"
_DOSSIER_START = DOSSIER_VERSION.encode() + b"\n"


def _is_rejection(raw: bytes) -> bool:
    """Whether ``raw`` is an entry without a commitment: a rejection or a dossier anchor."""
    return raw.startswith((_REJECTION_START, _DOSSIER_START))


class Failure(Exception):
    """Verification failed; ``problems`` are one-line messages naming what is wrong."""

    def __init__(self, *problems: str) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


class FetchError(Exception):
    """A resource could not be fetched (network, HTTP status, missing file)."""


class NotFound(FetchError, LookupError):
    """The site answered 404, or the directory has no such file: a partial tile that is not
    there is then cut from the full tile (``full_tile_fallback``)."""


# ---------------------------------------------------------------------------
# Where the published data comes from: a live site or an export directory
# ---------------------------------------------------------------------------


class Site:
    """The published data of one tuidang log: tiles, checkpoint, tally and statements."""

    name: str

    def fetch_log(self, path: str) -> bytes:
        """The resource at ``<log prefix>/<path>`` (``checkpoint``, ``tile/...``)."""
        raise NotImplementedError  # pragma: no cover - the two kinds below implement it

    def tally(self) -> dict:
        raise NotImplementedError  # pragma: no cover

    def statements(self, day: str) -> Iterator[dict]:
        """Every published statement of ``day``, in the order of the public list."""
        raise NotImplementedError  # pragma: no cover

    def prefetcher(self, size: int) -> Callable[[str], bytes]:
        return self.fetch_log


class HttpSite(Site):
    """A live site (or a mirror) under a base URL, read with keep-alive HTTP connections."""

    def __init__(self, base_url: str) -> None:
        parsed = urllib.parse.urlsplit(base_url.rstrip("/"))
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"{base_url!r} is not an http(s) URL")
        self.name = base_url.rstrip("/")
        self._scheme = parsed.scheme
        self._netloc = parsed.netloc
        self._prefix = parsed.path
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            cls = (
                http.client.HTTPSConnection
                if self._scheme == "https"
                else http.client.HTTPConnection
            )
            conn = cls(self._netloc, timeout=HTTP_TIMEOUT)
            self._local.conn = conn
        return conn

    def get(self, path_and_query: str) -> bytes:
        target = self._prefix + path_and_query
        last = ""
        for _attempt in range(HTTP_ATTEMPTS):
            conn = self._connection()
            try:
                conn.request("GET", target, headers={"User-Agent": USER_AGENT})
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                self._local.conn = None
                last = str(e) or type(e).__name__
                continue
            if response.status == 200:
                return body
            if response.status == 404:
                raise NotFound(f"{self.name}{path_and_query}: HTTP 404")
            if response.status not in (429, 502, 503, 504):
                raise FetchError(f"{self.name}{path_and_query}: HTTP {response.status}")
            last = f"HTTP {response.status}"
        raise FetchError(f"{self.name}{path_and_query}: {last}")

    def fetch_log(self, path: str) -> bytes:
        return self.get("/log/" + path)

    def tally(self) -> dict:
        return _json(self.get("/api/v1/tally"), "tally")

    def statements(self, day: str) -> Iterator[dict]:
        page, pages = 1, 1
        while page <= pages:
            query = urllib.parse.urlencode({"date": day, "page": page})
            data = _json(self.get(f"/api/v1/statements?{query}"), f"statements of {day}")
            pages = int(data.get("pages") or 1)
            yield from data.get("results", [])
            page += 1

    def prefetcher(self, size: int) -> Callable[[str], bytes]:
        return _Prefetcher(self.fetch_log, size)


class DirectorySite(Site):
    """A directory written by ``tuidang log export``, or a mirror of a site saved to disk.

    The layout is the site's own URL space: the log at its tlog-tiles paths under ``log/``,
    the tally at ``api/v1/tally`` and each day's statements (all pages in one, with leaf
    indexes and salts) at ``api/v1/statements/<YYYY-MM-DD>``.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.root = Path(directory)
        self.name = str(self.root)

    def _read(self, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except FileNotFoundError as e:
            raise NotFound(f"{path}: {e.strerror or e}") from None
        except OSError as e:
            raise FetchError(f"{path}: {e.strerror or e}") from None

    def fetch_log(self, path: str) -> bytes:
        if path != "checkpoint":
            parse_tile_path(path)  # never read outside the export
        return self._read(self.root / "log" / path)

    def tally(self) -> dict:
        return _json(self._read(self.root / "api" / "v1" / "tally"), "api/v1/tally")

    def statements(self, day: str) -> Iterator[dict]:
        path = self.root / "api" / "v1" / "statements" / day
        if not path.exists():
            return
        yield from _json(self._read(path), f"api/v1/statements/{day}").get("results", [])


def open_site(where: str) -> Site:
    if where.startswith(("http://", "https://")):
        return HttpSite(where)
    if Path(where).is_dir():
        return DirectorySite(where)
    raise ValueError(f"{where!r} is neither an http(s) URL nor a directory")


def _json(data: bytes, what: str):
    try:
        return json.loads(data)
    except ValueError as e:
        raise FetchError(f"{what}: not valid JSON ({e})") from None


class _Prefetcher:
    """Fetch the next bundles and level-0 tiles in the background while the walk hashes.

    An auditor's walk asks for ``tile/entries/N`` then ``tile/0/N`` then ``N + 1``...; over a
    slow link one request at a time would take hours for a big log, so the next
    ``PREFETCH_DEPTH`` of each are requested ahead on a few keep-alive connections.
    """

    def __init__(self, fetch: Callable[[str], bytes], size: int) -> None:
        self._fetch = fetch
        self._full = size // TILE_WIDTH
        self._pool = ThreadPoolExecutor(PREFETCH_THREADS, thread_name_prefix="prefetch")
        self._pending: dict[str, Future[bytes]] = {}
        self._ahead = 0

    def __call__(self, path: str) -> bytes:
        if path.startswith("tile/entries/"):
            bundle = parse_tile_path(path).index
            for n in range(max(self._ahead, bundle + 1), min(bundle + PREFETCH_DEPTH, self._full)):
                for ahead in (entries_path(n), tile_path(0, n)):
                    self._pending[ahead] = self._pool.submit(self._fetch, ahead)
                self._ahead = n + 1
        future = self._pending.pop(path, None)
        return future.result() if future is not None else self._fetch(path)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


class Progress:
    """A one-line progress bar on stderr, redrawn with ``\\r``; silent unless stderr is a TTY."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled and sys.stderr.isatty()
        self.started = time.monotonic()
        self._drawn = 0.0

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._drawn < 0.2 and done < self.total:
            return
        self._drawn = now
        elapsed = max(now - self.started, 1e-9)
        rate = done / elapsed
        share = done / self.total if self.total else 1.0
        bar = "#" * int(share * 30)
        eta = int((self.total - done) / rate) if rate else 0
        sys.stderr.write(
            f"\rentries [{bar:<30}] {done:,}/{self.total:,} {share:4.0%}"
            f" {rate:,.0f}/s eta {eta // 60}:{eta % 60:02d} "
        )
        sys.stderr.flush()

    def finish(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------


def parse_vkeys(vkeys: list[str]) -> list[Verifier]:
    verifiers: list[Verifier] = []
    for vkey in vkeys:
        try:
            verifiers.append(new_verifier(vkey.strip()))
        except (FormatError, ValueError) as e:
            raise Failure(f"vkey {vkey.strip()!r}: {e}") from None
    return verifiers


def open_checkpoint(note: bytes, verifiers: list[Verifier], what: str = "checkpoint") -> Checkpoint:
    """Verify a signed checkpoint with the trusted keys and parse it."""
    try:
        opened = open_note(note, verifiers)
    except SignatureError as e:
        raise Failure(f"{what}: signature does not verify with the given vkey ({e})") from None
    except FormatError as e:
        raise Failure(f"{what}: malformed signed note ({e})") from None
    try:
        return Checkpoint.parse(opened.text)
    except FormatError as e:
        raise Failure(f"{what}: malformed checkpoint ({e})") from None


def check_extends(
    client: LogClient, saved: Checkpoint, new: Checkpoint, what: str = "saved"
) -> None:
    """Fail unless ``new`` is an append-only extension of ``saved`` (rollback, split view)."""
    if saved.origin != new.origin:
        raise Failure(
            f"consistency: new checkpoint is for log {new.origin!r}, {what} for {saved.origin!r}"
        )
    not_extension = Failure(
        f"consistency: new checkpoint (size {new.size}) is not an extension of {what}"
        f" (size {saved.size})"
    )
    if new.size < saved.size:
        raise not_extension
    try:
        proof = client.consistency_proof(saved.size, new)
        verify_consistency(saved.size, new.size, saved.root_hash, new.root_hash, proof)
    except TileError as e:
        raise Failure(str(e)) from None
    except ProofError:
        raise not_extension from None


@dataclass
class Published:
    """One published statement to check, and where it sits in the day's list."""

    day: str
    position: int
    data: dict

    @property
    def label(self) -> str:
        return f"statement {self.day} #{self.position} (leaf {self.data.get('leaf_index')})"


def statement_problems(item: Published, raw: bytes) -> list[str]:
    """What is wrong between a published statement and its log entry (empty when it matches)."""
    try:
        entry = Entry.decode(raw)
    except FormatError as e:
        return [f"{item.label}: its log entry is malformed ({e})"]
    data = item.data
    published = {
        "date": str(data.get("date", item.day)),
        "organisations": ",".join(sorted(data.get("organisations") or [])),
        "region": data.get("region") or "unknown",
        "channel": data.get("channel", ""),
    }
    logged = {
        "date": entry.date.isoformat(),
        "organisations": ",".join(entry.organisations),
        "region": entry.region,
        "channel": entry.channel,
    }
    problems = [
        f"{item.label}: {name} is {published[name] or '(none)'} but the entry has"
        f" {logged[name] or '(none)'}"
        for name in published
        if published[name] != logged[name]
    ]
    if published["date"] != item.day:
        problems.append(f"{item.label}: listed under {item.day} but dated {published['date']}")
    try:
        salt = base64.b64decode(str(data.get("salt", "")), validate=True)
    except (binascii.Error, ValueError):
        salt = b""
    if len(salt) != SALT_SIZE:
        problems.append(f"{item.label}: no valid salt is published, so it cannot be checked")
    elif not entry.matches(salt, str(data.get("alias", "")), str(data.get("statement", ""))):
        problems.append(f"{item.label}: commitment does not match")
    return problems


@dataclass
class Walk:
    """What a full walk of the log found."""

    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


def walk_log(
    client: LogClient,
    checkpoint: Checkpoint,
    wanted: dict[int, Published],
    progress: Progress,
) -> Walk:
    """Authenticate every entry of the tree and recount the tally from their facets.

    The log is streamed in chunks; an entry's facets are its bytes minus the commitment line,
    so they are counted as byte strings and each distinct one is decoded (strictly) once.
    Entries that published statements point at are checked as the walk passes them.
    """
    result = Walk()
    facets_seen: dict[bytes, list[str]] = {}
    leaves = sorted(wanted)
    entries = client.entries(checkpoint)
    done = 0
    try:
        while chunk := list(islice(entries, CHUNK)):
            first = chunk[0][0]
            raw = list(map(_second, chunk))
            declarations = raw
            if any(map(_is_rejection, raw)):
                # Rejections and dossier anchors are few (and rejections alike): counted whole.
                declarations = [e for e in raw if not _is_rejection(e)]
                for entry, n in Counter(filter(_is_rejection, raw)).items():
                    keys = facets_seen.get(entry)
                    if keys is None:
                        keys = facets_seen[entry] = _rejection_keys(entry, first, raw)
                    for key in keys:
                        result.counts[key] += n
            if not all(map(_COMMITMENT_LINE.fullmatch, map(_commitment_of, declarations))):
                bad = next(
                    i
                    for i, e in enumerate(raw)
                    if not _is_rejection(e) and not _COMMITMENT_LINE.fullmatch(_commitment_of(e))
                )
                raise Failure(f"entry {first + bad}: malformed (no valid commitment line)")
            for facets, n in Counter(map(_facets_of, declarations)).items():
                keys = facets_seen.get(facets)
                if keys is None:
                    keys = facets_seen[facets] = _counter_keys(facets, first, raw)
                for key in keys:
                    result.counts[key] += n
            lo = bisect.bisect_left(leaves, first)
            hi = bisect.bisect_left(leaves, first + len(chunk))
            for leaf in leaves[lo:hi]:
                result.problems.extend(statement_problems(wanted[leaf], raw[leaf - first]))
            done += len(chunk)
            progress.update(done)
    except TileError as e:
        raise Failure(str(e)) from None
    finally:
        progress.finish()
    return result


def _counter_keys(facets: bytes, first: int, chunk: list[bytes]) -> list[str]:
    """The counters entries with these facets add to; checks the facets strictly, once."""
    try:
        return counter_keys(Entry.decode(facets + _PLACEHOLDER_COMMITMENT))
    except FormatError as e:
        bad = next(i for i, raw in enumerate(chunk) if _facets_of(raw) == facets)
        raise Failure(f"entry {first + bad}: malformed ({e})") from None


def _rejection_keys(raw: bytes, first: int, chunk: list[bytes]) -> list[str]:
    """The counters a rejection (or dossier anchor) adds to; checks it strictly, once per
    distinct entry."""
    try:
        if raw.startswith(_DOSSIER_START):
            return counter_keys(DossierAnchor.decode(raw))
        return counter_keys(Rejection.decode(raw))
    except FormatError as e:
        bad = chunk.index(raw)
        raise Failure(f"entry {first + bad}: malformed ({e})") from None


def rejections_in(counts: Counter[str] | dict) -> int:
    """How many rejection entries ``counts`` (recomputed, or a tally's ``rejected``) hold."""
    return sum(v for k, v in counts.items() if k.startswith("rejected:"))


def anchors_of(tally: dict) -> dict:
    """A published tally's dossier anchors (``anchored``; a site from before anchors has none)."""
    anchored = tally.get("anchored", {})
    return anchored if isinstance(anchored, dict) else {}


def logged_in(tally: dict) -> int | None:
    """The entries a published tally accounts for: declarations, rejections, dossier anchors."""
    total, rejected = tally.get("total"), tally.get("rejected")
    if not isinstance(total, int) or not isinstance(rejected, dict):
        return None
    counted = [*rejected.values(), *anchors_of(tally).values()]
    return total + sum(v for v in counted if isinstance(v, int))


def tally_problems(tally: dict, counts: Counter[str], size: int) -> list[str]:
    """Every published number that differs from the count recomputed from the log."""
    problems = []
    total = tally.get("total")
    if total != counts["total"]:
        problems.append(f"tally: total is {total} but the log has {counts['total']}")
    rejected = rejections_in(counts)
    anchored = counts["anchored:dossier"]
    if counts["total"] + rejected + anchored != size:
        problems.append(
            f"log: {counts['total']} declarations, {rejected} rejections and {anchored}"
            f" dossier anchors counted but the checkpoint says {size} entries"
        )
    if anchors_of(tally).get("dossier", 0) != anchored:
        problems.append(
            f"tally: anchored.dossier is {anchors_of(tally).get('dossier', 0)} but the log has"
            f" {anchored}"
        )
    for section, prefix in TALLY_SECTIONS.items():
        published = tally.get(section)
        if not isinstance(published, dict):
            problems.append(f"tally: {section} is missing from the published tally")
            continue
        logged = {k[len(prefix) :]: v for k, v in counts.items() if k.startswith(prefix)}
        for key in sorted(set(published) | set(logged)):
            if published.get(key, 0) != logged.get(key, 0):
                problems.append(
                    f"tally: {section}.{key} is {published.get(key, 0)} but the log has"
                    f" {logged.get(key, 0)}"
                )
    return problems


def published_statements(
    site: Site, days: list[str], size: int
) -> tuple[dict[int, Published], list[str], list[str]]:
    """The statements to check, by leaf index; problems found already; and notes."""
    wanted: dict[int, Published] = {}
    problems: list[str] = []
    notes: list[str] = []
    later = 0
    for day in days:
        try:
            listed = list(site.statements(day))
        except FetchError as e:
            raise Failure(f"statements {day}: {e}") from None
        for position, data in enumerate(listed, 1):
            item = Published(day, position, data if isinstance(data, dict) else {})
            leaf = item.data.get("leaf_index")
            if not isinstance(leaf, int) or leaf < 0:
                problems.append(f"{item.label}: no leaf index is published for it")
            elif leaf >= size:
                later += 1
            elif leaf in wanted:
                problems.append(f"{item.label}: the same entry as {wanted[leaf].label}")
            else:
                wanted[leaf] = item
    if later:
        notes.append(
            f"{later} statement(s) were logged after the checkpoint (size {size});"
            " they are checked on the next run"
        )
    return wanted, problems, notes


def choose_days(requested: list[str], tally: dict) -> list[str]:
    """The days whose statements are checked: as asked, or the latest days with declarations."""
    published = sorted(d for d, n in (tally.get("days") or {}).items() if n)
    if "all" in requested:
        return published
    if requested:
        return sorted(set(requested))
    return published[-DEFAULT_DAYS:]


def save_state(path: Path, note: bytes) -> None:
    """Write the verified checkpoint atomically, so an interrupted run never loses the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(note)
    os.replace(tmp, path)


def consistent_snapshot(site: Site, verifiers: list[Verifier]) -> tuple[bytes, Checkpoint, dict]:
    """A checkpoint and a tally read at the same moment, if the log holds still long enough."""
    attempts = SNAPSHOT_ATTEMPTS if isinstance(site, HttpSite) else 1  # files do not change
    for attempt in range(attempts):
        note = site.fetch_log("checkpoint")
        checkpoint = open_checkpoint(note, verifiers)
        tally = site.tally()
        if logged_in(tally) == checkpoint.size or attempt == attempts - 1:
            return note, checkpoint, tally
        time.sleep(SNAPSHOT_PAUSE)
    raise AssertionError("unreachable")  # pragma: no cover


def verify_site(args: argparse.Namespace, out: Callable[[str], None]) -> list[str]:
    """Run every check on a site; return the problems found (empty means it all matches)."""
    verifiers = parse_vkeys(args.vkey)
    site = open_site(args.site)
    try:
        note, checkpoint, tally = consistent_snapshot(site, verifiers)
    except FetchError as e:
        raise Failure(str(e)) from None
    out(f"checkpoint: {checkpoint.origin}, size {checkpoint.size}, signature verified")
    fetch = site.prefetcher(checkpoint.size)
    # A partial tile the site no longer has (the log grew meanwhile, or a mirror dropped it)
    # is cut from the full tile, as c2sp.org/tlog-tiles allows.
    fetch_log = full_tile_fallback(fetch, (NotFound,))
    fetch_log = caching_fetch(fetch_log, args.cache) if args.cache else fetch_log
    client = LogClient(fetch_log, verifiers)
    state = Path(args.state) if args.state else None
    try:
        if state is not None and state.exists():
            saved = open_checkpoint(state.read_bytes(), verifiers, f"state {state}")
            check_extends(client, saved, checkpoint)
            out(f"consistency: extends the checkpoint saved in {state} (size {saved.size})")
        days = choose_days(args.day, tally)
        wanted, problems, notes = published_statements(site, days, checkpoint.size)
        progress = Progress(checkpoint.size, not args.quiet)
        walk = walk_log(client, checkpoint, wanted, progress)
    finally:
        if isinstance(fetch, _Prefetcher):
            fetch.close()
    out(f"log: {checkpoint.size} entries and every tile match the checkpoint root")
    tally_issues = tally_problems(tally, walk.counts, checkpoint.size)
    if not tally_issues:
        numbers = 1 + sum(len(tally.get(s) or {}) for s in TALLY_SECTIONS)
        out(f"tally: all {numbers} published numbers match the log")
    problems += walk.problems
    for day in days:
        logged = walk.counts[f"day:{day}"]
        listed = sum(1 for item in wanted.values() if item.day == day)
        if listed > logged:
            problems.append(f"statements {day}: {listed} published but the log has {logged}")
    if not walk.problems:
        out(f"statements: {len(wanted)} on {len(days)} day(s) match their entries")
    for note_line in notes:
        out(f"note: {note_line}")
    problems = tally_issues + problems
    if state is not None and not problems:
        save_state(state, note)
        out(f"state: saved checkpoint (size {checkpoint.size}) to {state}")
    return problems


def verify_receipt(args: argparse.Namespace, out: Callable[[str], None]) -> list[str]:
    """Check a tlog-proof receipt, and with a SITE that the site's log still holds it."""
    verifiers = parse_vkeys(args.vkey)
    try:
        receipt = parse_proof(Path(args.receipt).read_bytes())
    except OSError as e:
        raise Failure(f"receipt: {args.receipt}: {e.strerror or e}") from None
    except FormatError as e:
        raise Failure(f"receipt: not a tlog-proof ({e})") from None
    site = open_site(args.site) if args.site else None
    client = LogClient(full_tile_fallback(site.fetch_log, (NotFound,)), verifiers) if site else None
    current = None
    if args.entry:
        raw = Path(args.entry).read_bytes()
    elif receipt.extra is not None:
        raw = receipt.extra
    elif client is not None and site is not None:
        try:
            current = open_checkpoint(site.fetch_log("checkpoint"), verifiers)
            raw = next(client.entries(current, receipt.index, check_tiles=False))[1]
        except (TileError, FetchError, StopIteration) as e:
            raise Failure(
                f"receipt: entry {receipt.index} could not be read from the log ({e})"
            ) from None
    else:
        raise Failure(
            "receipt: it carries no entry; give --entry FILE or the SITE to fetch it from"
        )
    try:
        proven = verify_proof(receipt, raw, verifiers)
    except SignatureError as e:
        raise Failure(
            f"receipt: checkpoint signature does not verify with the given vkey ({e})"
        ) from None
    except (ProofError, FormatError) as e:
        raise Failure(f"receipt: inclusion proof does not verify ({e})") from None
    signers = ", ".join(s.name for s in proven.signatures)
    out(
        f"receipt: entry {proven.index} is in {proven.checkpoint.origin} at size"
        f" {proven.checkpoint.size} (signed by {signers})"
    )
    try:
        entry = Entry.decode(raw)
    except FormatError as e:
        raise Failure(f"receipt: entry {proven.index} is malformed ({e})") from None
    out(
        f"entry: declared {entry.date}, organisations {','.join(entry.organisations) or '(none)'},"
        f" region {entry.region}, channel {entry.channel}"
    )
    problems = []
    if args.statement_json:
        statement = _statement_for(Path(args.statement_json), proven.index)
        item = Published(entry.date.isoformat(), 1, statement)
        problems += [
            p.replace(item.label, f"statement (leaf {proven.index})")
            for p in statement_problems(item, raw)
        ]
        if not problems:
            out("statement: alias and statement open the entry's commitment")
    if client is not None and site is not None:
        if current is None:
            try:
                current = open_checkpoint(site.fetch_log("checkpoint"), verifiers)
            except FetchError as e:
                raise Failure(f"checkpoint: {e}") from None
        check_extends(client, proven.checkpoint, current, "the receipt's")
        out(f"site: its log (size {current.size}) still contains the entry")
    return problems


def _statement_for(path: Path, index: int) -> dict:
    """A published statement from a file: one API result, or a whole page of them."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise Failure(f"statement: {path}: {e}") from None
    results = data.get("results") if isinstance(data, dict) and "results" in data else data
    if isinstance(results, dict):
        return results
    for item in results or []:
        if isinstance(item, dict) and item.get("leaf_index") == index:
            return item
    raise Failure(f"statement: {path} has no statement for leaf {index}")


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tuidang verify",
        description=(
            "Check a tuidang site or log export against its signed transparency log:"
            " checkpoint signature, every tile and entry, the published tally and statements,"
            " and consistency with a saved checkpoint. Or check one receipt (--receipt)."
        ),
        epilog="See docs/verifying.md. Exit status 0: everything matches; 1: a mismatch; 2: usage.",
    )
    p.add_argument(
        "site", nargs="?", help="the site's base URL, or a directory from 'tuidang log export'"
    )
    p.add_argument(
        "--vkey",
        action="append",
        default=[],
        required=True,
        help="a trusted verifier key (log or witness); repeatable",
    )
    p.add_argument(
        "--day",
        action="append",
        default=[],
        metavar="YYYY-MM-DD",
        help=f"check the statements of this day; repeatable; 'all' for every day (default: the {DEFAULT_DAYS} latest days with declarations)",
    )
    p.add_argument(
        "--state",
        metavar="FILE",
        help="checkpoint saved by the last run: check the new one extends it, then save it",
    )
    p.add_argument(
        "--cache",
        metavar="DIR",
        help="keep fetched tiles and bundles here (they never change), so an interrupted run resumes",
    )
    p.add_argument(
        "--receipt", metavar="FILE", help="check this tlog-proof receipt instead of a whole site"
    )
    p.add_argument(
        "--entry",
        metavar="FILE",
        help="with --receipt: the entry's bytes, when the receipt does not carry them",
    )
    p.add_argument(
        "--statement-json",
        metavar="FILE",
        help="with --receipt: the published statement (JSON from /api/v1/statements) to check against the entry",
    )
    p.add_argument("--quiet", action="store_true", help="print only problems")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    for day in args.day:
        if day != "all" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
            parser().error(f"--day {day!r} is not YYYY-MM-DD")
        if day != "all":
            try:
                datetime.date.fromisoformat(day)
            except ValueError:
                parser().error(f"--day {day!r} is not a date")
    if not args.receipt and not args.site:
        parser().error("give the SITE to verify, or --receipt FILE")

    def out(line: str) -> None:
        if not args.quiet:
            print(line, flush=True)

    try:
        problems = verify_receipt(args, out) if args.receipt else verify_site(args, out)
    except Failure as e:
        problems = e.problems
    except ValueError as e:
        if isinstance(e, LedgerError):
            problems = [str(e)]
        else:
            parser().error(str(e))
    except FetchError as e:
        problems = [str(e)]
    if problems:
        for line in problems[:MAX_PROBLEMS_SHOWN]:
            print(line, file=sys.stderr)
        if len(problems) > MAX_PROBLEMS_SHOWN:
            print(f"... and {len(problems) - MAX_PROBLEMS_SHOWN} more", file=sys.stderr)
        print(f"FAILED: {len(problems)} problem(s) found", file=sys.stderr)
        return 1
    out("OK: everything matches")
    return 0


if __name__ == "__main__":
    sys.exit(main())
