"""A real SMTP server on 127.0.0.1 for tests where delivery itself is the feature.

    with MailServer() as server, override_settings(**server.settings()):
        ...send through tuidang.mail...
    [message] = server.messages          # email.message.EmailMessage, parsed
    message["To"], server.text(message), server.html(message)

or, for a whole ``TestCase``, ``MailServerMixin`` starts one in ``setUpClass`` and points the
settings at it for every test (``self.mailserver``; its messages are cleared before each test).

The server is aiosmtpd in a thread on a free port. It keeps each message as received over SMTP
(envelope sender and recipients too), parsed with the standard library's ``email`` package, so
a test sees exactly what a relay would have been handed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from django.test import override_settings


@dataclass
class Delivery:
    """One message as the server received it."""

    helo: str  # the name the client greeted the server with (EHLO)
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes


class _Collector:
    def __init__(self, server: MailServer):
        self.server = server

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.server.lock:
            self.server.deliveries.append(
                Delivery(
                    session.host_name, envelope.mail_from, list(envelope.rcpt_tos), parsed, raw
                )
            )
            self.server.arrived.notify_all()
        return "250 Message accepted for delivery"


class _FreePortController(Controller):
    """aiosmtpd's controller, bound to port 0: the kernel picks a free port, read back here."""

    def _trigger_server(self):
        if self.port == 0 and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]
        return super()._trigger_server()


@dataclass
class MailServer:
    host: str = "127.0.0.1"
    deliveries: list[Delivery] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self._controller: _FreePortController | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> MailServer:
        self._controller = _FreePortController(_Collector(self), hostname=self.host, port=0)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> MailServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._controller is not None, "the mail server is not running"
        return self._controller.port

    def settings(self, sender: str = "centre@tuidang.test") -> dict[str, Any]:
        """Django settings that send through this server, as TUIDANG_EMAIL_URL would set them."""
        return {
            "EMAIL_BACKEND": "tuidang.mail.SMTPBackend",
            "EMAIL_HOST": self.host,
            "EMAIL_PORT": self.port,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_FROM": sender,
            "DEFAULT_FROM_EMAIL": sender,
        }

    # -- what arrived -------------------------------------------------------------------------
    @property
    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [delivery.message for delivery in self.deliveries]

    def clear(self) -> None:
        with self.lock:
            self.deliveries.clear()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """The messages once at least ``count`` have arrived (sending is synchronous in
        tuidang, so this only waits when a test delivers from another process)."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.deliveries) >= count, timeout):
                raise AssertionError(
                    f"expected {count} message(s) at the SMTP server, got {len(self.deliveries)}"
                )
            return [delivery.message for delivery in self.deliveries]

    def to(self, address: str) -> list[EmailMessage]:
        """Messages whose envelope named ``address`` as a recipient."""
        with self.lock:
            return [d.message for d in self.deliveries if address in d.rcpt_tos]

    @staticmethod
    def text(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None, "the message has no text/plain part"
        return part.get_content()

    @staticmethod
    def html(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("html",))
        assert part is not None, "the message has no text/html part"
        return part.get_content()


class MailServerMixin:
    """For a ``TestCase``: one SMTP server for the class, the settings pointing at it."""

    mailserver: MailServer

    @classmethod
    def setUpClass(cls) -> None:
        cls.mailserver = MailServer().start()
        cls._mail_settings = override_settings(**cls.mailserver.settings())
        cls._mail_settings.enable()
        super().setUpClass()  # type: ignore[misc]

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()  # type: ignore[misc]
        cls._mail_settings.disable()
        cls.mailserver.stop()

    def setUp(self) -> None:
        self.mailserver.clear()
        super().setUp()  # type: ignore[misc]
