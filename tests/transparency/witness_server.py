"""A small but real c2sp.org/tlog-witness, run on 127.0.0.1 by the witnessing tests.

It does what any witness on the public witness network does for ``add-checkpoint``: it keeps the
latest size and root it cosigned for each log origin, verifies the log's signature with the log's
vkey, verifies the consistency proof from that size with ``tuidang.ledger``, answers 409 with
``text/x.tlog.size`` when the client's old size is stale, and cosigns with its own Ed25519 key
(``cosignature/v1``). Check and update happen under one lock, as the spec demands, so two
concurrent requests can never roll its view of a log back.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tuidang.ledger import EMPTY_ROOT, new_verifier
from tuidang.ledger.errors import FormatError
from tuidang.ledger.note import ALG_COSIGNATURE_V1, Signature, generate_key, new_signer
from tuidang.ledger.witness import (
    WitnessError,
    check_add_checkpoint,
    format_cosignatures,
    parse_add_checkpoint,
)


@dataclass
class Seen:
    """What the witness answered, for tests to assert on."""

    status: int
    old_size: int | None = None
    body: bytes = b""


@dataclass
class WitnessServer:
    """``with WitnessServer({origin: [log vkey]}) as witness: witness.url, witness.vkey``."""

    logs: dict[str, list[str]]
    name: str = "witness.test"
    # The witness's signing key; a new one unless given (a restarted witness keeps its key).
    skey: str = ""
    latest: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.skey:
            self.skey = generate_key(self.name, ALG_COSIGNATURE_V1)[0]
        self._signer = new_signer(self.skey)
        self.vkey = self._signer.vkey
        self._verifiers = {
            origin: [new_verifier(vkey) for vkey in vkeys] for origin, vkeys in self.logs.items()
        }
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "the witness is not running"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> WitnessServer:
        witness = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path != "/add-checkpoint":
                    self._answer(Seen(404, body=b"not found\n"))
                    return
                self._answer(witness.add_checkpoint(body))

            def _answer(self, seen: Seen) -> None:
                witness.seen.append(seen)
                self.send_response(seen.status)
                content_type = "text/x.tlog.size" if seen.status == 409 else "text/plain"
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(seen.body)))
                self.end_headers()
                self.wfile.write(seen.body)

            def log_message(self, format, *args) -> None:
                """Quiet: the tests read ``witness.seen`` instead."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def add_checkpoint(self, body: bytes) -> Seen:
        try:
            request = parse_add_checkpoint(body)
        except FormatError as e:
            return Seen(400, body=f"{e}\n".encode())
        with self._lock:
            try:
                origin_state = self._origin_of(request.checkpoint)
                size, root = self.latest.get(origin_state, (0, EMPTY_ROOT))
                checkpoint = check_add_checkpoint(request, self._verifiers, size, root)
            except WitnessError as e:
                if e.latest_size is not None:
                    return Seen(e.status, request.old_size, f"{e.latest_size}\n".encode())
                return Seen(e.status, request.old_size, f"{e}\n".encode())
            self.latest[checkpoint.origin] = (checkpoint.size, checkpoint.root_hash)
        text = request.checkpoint[: request.checkpoint.rindex(b"\n\n") + 1]
        signature = Signature(self._signer.name, self._signer.key_id, self._signer.sign(text))
        return Seen(200, request.old_size, format_cosignatures([signature]))

    @staticmethod
    def _origin_of(note: bytes) -> str:
        """The origin line, for looking up state; check_add_checkpoint validates the rest."""
        return note.split(b"\n", 1)[0].decode("utf-8", "replace")
