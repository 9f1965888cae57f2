"""Hard bounces from delivery status notifications (RFC 3464) in a mailbox directory.

A DSN is a ``multipart/report; report-type=delivery-status`` message; each recipient block
of its ``message/delivery-status`` part with ``Action: failed`` and a ``Status: 5.x.x`` is a
hard bounce of its ``Final-Recipient`` (or ``Original-Recipient``). Soft failures (4.x.x,
``delayed``) are left alone.
"""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path


def hard_bounced(raw: bytes) -> list[str]:
    message = message_from_bytes(raw, policy=policy.compat32)
    addresses = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        blocks = payload if isinstance(payload, list) else []
        for block in blocks[1:]:
            if not isinstance(block, Message):
                continue  # the first block is about the message, the rest recipients
            action = (block.get("Action") or "").strip().lower()
            status = (block.get("Status") or "").strip()
            recipient = block.get("Final-Recipient") or block.get("Original-Recipient") or ""
            if action == "failed" and status.startswith("5") and ";" in recipient:
                addresses.append(recipient.split(";", 1)[1].strip())
    return addresses


def messages_in(directory: Path):
    """Every file of a Maildir (``new/`` and ``cur/``) or of a plain directory of messages."""
    folders = [directory / "new", directory / "cur"]
    roots = [f for f in folders if f.is_dir()] or [directory]
    for root in roots:
        for path in sorted(root.iterdir()):
            if path.is_file():
                yield path
