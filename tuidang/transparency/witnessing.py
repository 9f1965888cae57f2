"""Witnesses: independent servers that cosign the log's checkpoints (c2sp.org/tlog-witness).

A witness keeps, for each log it follows, the latest checkpoint it cosigned, and cosigns a new
one only with a consistency proof from that one. So a checkpoint carrying a witness's
cosignature is one the witness has seen extend everything it saw before: the log cannot show
one history to the witness and another to someone else without being caught, and cannot
quietly roll back.

Every ``TUIDANG_WITNESS_INTERVAL`` seconds ``tuidang witness`` (started by ``tuidang serve``)
pushes the latest checkpoint to each witness of ``TUIDANG_WITNESSES`` (``;``-separated
``<vkey> <url>`` pairs) with ``POST <url>/add-checkpoint``, verifies each cosignature it gets
back with the witness's vkey and stores it. ``/log/checkpoint`` serves the checkpoint with the
cosignatures it has (:func:`cosigned_note`), and so do receipts.

Answers are handled as the spec says: 200 carries cosignature lines; 409 with
``text/x.tlog.size`` says which size the witness last cosigned, and the push is retried once
from that size; 403 (signature not trusted), 404 (log unknown to the witness), 400 and 422
(consistency proof refused) are logged for the operator and tried again next round.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.utils import timezone

from tuidang.ledger import FormatError, LedgerError, SignatureError, new_verifier
from tuidang.ledger.note import CosignatureVerifier
from tuidang.ledger.tree import prove_consistency
from tuidang.ledger.witness import format_add_checkpoint, verify_cosignatures
from tuidang.transparency import logstore
from tuidang.transparency.logstore import Checkpoint

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 20
SIZE_CONTENT_TYPE = "text/x.tlog.size"


class WitnessCosignature(models.Model):
    """A witness's verified cosignature on one of the log's checkpoints, as its note line."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="+")
    witness = models.CharField(max_length=300)  # the witness's vkey
    line = models.TextField()  # "— <name> <base64>\n", appended to the note when served
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "declarations_witnesscosignature"
        constraints = [
            models.UniqueConstraint(fields=["witness", "checkpoint"], name="cosignature_once"),
        ]

    def __str__(self):
        return f"{self.witness.split('+')[0]} on checkpoint {self.checkpoint_id}"


@dataclass(frozen=True)
class Witness:
    vkey: str
    url: str

    @property
    def name(self) -> str:
        return self.vkey.split("+", 1)[0]

    def verifier(self) -> CosignatureVerifier:
        verifier = new_verifier(self.vkey)
        if not isinstance(verifier, CosignatureVerifier):
            raise FormatError(f"{self.vkey} is not a cosignature/v1 witness key")
        return verifier

    def latest_cosigned_size(self) -> int:
        """The size of the latest of our checkpoints this witness cosigned (0 if none)."""
        latest = (
            WitnessCosignature.objects.filter(witness=self.vkey)
            .order_by("-checkpoint__size")
            .values_list("checkpoint__size", flat=True)
            .first()
        )
        return latest or 0


def configured() -> list[Witness]:
    """The witnesses of ``TUIDANG_WITNESSES``; a malformed entry stops the process at once."""
    witnesses = []
    for pair in settings.WITNESSES:
        if len(pair) != 2 or not pair[1].startswith(("http://", "https://")):
            raise ImproperlyConfigured(
                f"TUIDANG_WITNESSES: expected '<vkey> <url>', got {' '.join(pair)!r}"
            )
        witness = Witness(pair[0], pair[1].rstrip("/"))
        try:
            witness.verifier()
        except FormatError as e:
            raise ImproperlyConfigured(f"TUIDANG_WITNESSES: {e}") from None
        witnesses.append(witness)
    return witnesses


def latest_note() -> tuple[int, str] | None:
    """The latest checkpoint's size and its note with every cosignature, in one query.

    What ``/log/checkpoint`` and every proof serve; one statement rather than two, because
    they are the log's busiest reads.
    """
    checkpoint = connection.ops.quote_name(Checkpoint._meta.db_table)
    cosignature = connection.ops.quote_name(WitnessCosignature._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.size, c.note, w.line FROM "  # noqa: S608 - table names from _meta
            f"(SELECT id, size, note FROM {checkpoint} ORDER BY size DESC LIMIT 1) c "
            f"LEFT JOIN {cosignature} w ON w.checkpoint_id = c.id ORDER BY w.id"
        )
        rows = cursor.fetchall()
    if not rows:
        return None
    size, note = rows[0][0], rows[0][1]
    return size, note + "".join(line for _size, _note, line in rows if line is not None)


def cosigned_note(checkpoint: Checkpoint) -> str:
    """The checkpoint's signed note with every witness cosignature received for it."""
    lines = WitnessCosignature.objects.filter(checkpoint=checkpoint).order_by("pk")
    return checkpoint.note + "".join(lines.values_list("line", flat=True))


def _post(url: str, body: bytes) -> tuple[int, str, bytes]:
    request = urllib.request.Request(  # noqa: S310 - the operator configures http(s) URLs only
        url, data=body, method="POST", headers={"Content-Type": "text/plain; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get_content_type(), e.read()


def push(witness: Witness, checkpoint: Checkpoint) -> str:
    """Ask one witness to cosign ``checkpoint``; store its cosignature. Returns what happened.

    The outcome is one word for the command's output and tests: ``cosigned``, ``already``,
    ``refused`` (the witness said no; details are logged) or ``unreachable``.
    """
    if WitnessCosignature.objects.filter(witness=witness.vkey, checkpoint=checkpoint).exists():
        return "already"
    verifier = witness.verifier()
    note = checkpoint.note.encode("utf-8")
    old = witness.latest_cosigned_size()
    for _attempt in range(2):
        if old > checkpoint.size:
            log.error(
                "witness %s has cosigned a tree of size %d, larger than the log's %d:"
                " the log lost entries or another copy of it is signing",
                witness.name,
                old,
                checkpoint.size,
            )
            return "refused"
        proof = prove_consistency(old, checkpoint.size, logstore.TileReader(checkpoint.size))
        body = format_add_checkpoint(old, proof, note)
        try:
            status, content_type, answer = _post(f"{witness.url}/add-checkpoint", body)
        except OSError as e:
            log.warning("witness %s is unreachable: %s", witness.name, e)
            return "unreachable"
        if status == 200:
            return _store(witness, verifier, checkpoint, note, answer)
        if status == 409 and content_type == SIZE_CONTENT_TYPE:
            try:
                latest = int(answer.decode("ascii").strip())
            except ValueError:
                latest = -1
            if latest != old and latest >= 0:
                old = latest
                continue
        log.warning(
            "witness %s refused checkpoint %d (HTTP %d): %s",
            witness.name,
            checkpoint.size,
            status,
            answer[:200].decode("utf-8", "replace").strip(),
        )
        return "refused"
    return "refused"


def _store(
    witness: Witness,
    verifier: CosignatureVerifier,
    checkpoint: Checkpoint,
    note: bytes,
    answer: bytes,
) -> str:
    try:
        signatures = verify_cosignatures(note, answer, [verifier])
    except (SignatureError, FormatError, LedgerError) as e:
        log.warning("witness %s answered with no valid cosignature: %s", witness.name, e)
        return "refused"
    for signature in signatures:
        WitnessCosignature.objects.get_or_create(
            witness=witness.vkey, checkpoint=checkpoint, defaults={"line": signature.line()}
        )
    return "cosigned"


def push_latest() -> dict[str, str]:
    """Push the latest checkpoint to every configured witness; ``{witness name: outcome}``."""
    checkpoint = Checkpoint.objects.latest_signed()
    if checkpoint is None:
        return {}
    return {witness.name: push(witness, checkpoint) for witness in configured()}
