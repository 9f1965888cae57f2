"""Anchoring a handed-over dossier in the transparency log (``tuidang/dossier/v1``).

The entry holds the day of the handover and the SHA-256 of the dossier's manifest (the files'
hashes, ``tuidang.ledger.entry.dossier_digest``), nothing else: no recipient, no title, no name.
Once a checkpoint that includes it is signed (at the next batch) and witnessed, the centre can
show a recipient, a court or a journalist the files and an inclusion proof
(``/api/v1/proof?index=N``), and anyone can check that exactly these files existed then.

Anchoring is optional and done once per dossier version, by a person with access to every case
in it; it is audit-logged. The anchor adds one to the tally's ``anchored:dossier`` counter in
the same transaction as the entry, so that ``tuidang verify`` recounts the log's size.
"""

from collections import Counter

from django.db import transaction
from django.utils import timezone

from tuidang import transparency
from tuidang.accounts.models import AuditEvent
from tuidang.cases.models import Dossier
from tuidang.declarations.models import TallyCounter
from tuidang.ledger.entry import DossierAnchor, counter_keys, dossier_digest


class NotAnchorable(Exception):
    pass


def anchor_entry(dossier: Dossier) -> DossierAnchor:
    """The log entry that anchors ``dossier`` (handed over): its day and its files' digest."""
    assert dossier.handed_over_at is not None
    day = timezone.localdate(dossier.handed_over_at)
    return DossierAnchor(day, dossier_digest(dossier.files))


def anchor(dossier: Dossier, by) -> int:
    """Append the dossier's anchor to the log; return its leaf index (kept on the dossier)."""
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        if locked.handed_over_at is None:
            raise NotAnchorable("only a dossier that was handed over is anchored")
        if locked.log_index is not None:
            raise NotAnchorable("this dossier is already anchored")
        entry = anchor_entry(locked)
        transparency.lock()
        index = transparency.append_entries([entry.encode()])
        TallyCounter.add(Counter(counter_keys(entry)))
        locked.log_index = index
        locked.save(update_fields=["log_index"])
        AuditEvent.record(
            by, "cases.dossier_anchored", locked, log_index=index, sha256=entry.sha256
        )
    dossier.log_index = index
    return index
