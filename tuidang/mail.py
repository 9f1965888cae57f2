"""All of tuidang's e-mail: one ``make_message`` and the SMTP backend it goes out through.

Each message has a name and three templates, found like any template (``templates/emails/`` of
the project or of an app): ``<name>-subject.txt``, ``<name>-body.txt`` and ``<name>-body.html``.
They are rendered in the recipient's language, the text ones without HTML escaping (as in
healthchecks' ``hc/lib/emails.py``). Messages are sent from background tasks, never while a
request waits (``tuidang worker``; docs/deploy.md, "E-mail").

Outbound mail is off until the operator configures a relay (``TUIDANG_EMAIL_URL`` or the
``TUIDANG_EMAIL_HOST`` family, and ``TUIDANG_EMAIL_FROM``): sending then fails with
``MailNotConfigured`` saying what to set, and the task that tried is left to try again
later, so nothing is lost and nothing goes to a relay nobody chose.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend
from django.template import Context, engines
from django.template.engine import Engine
from django.template.loader import render_to_string
from django.utils import translation

from tuidang.conf import NO_MAIL_BACKEND

NOT_CONFIGURED = (
    "No outbound mail is configured, so nothing was sent: set TUIDANG_EMAIL_URL (for example "
    "smtps://user:password@mail.example.org:465) or TUIDANG_EMAIL_HOST and its companions, and "
    "TUIDANG_EMAIL_FROM; see docs/deploy.md, 'E-mail'."
)
NO_SENDER = (
    "TUIDANG_EMAIL_FROM is not set, so nothing was sent: set it to the address the centre's "
    "mail comes from; see docs/deploy.md, 'E-mail'."
)


class MailNotConfigured(Exception):
    """Sending was attempted on an instance the operator has not given a mail relay."""

    message_is_ours = True  # names a setting, never a person: kept in failed tasks' tracebacks


def is_configured() -> bool:
    return settings.EMAIL_BACKEND != NO_MAIL_BACKEND and bool(settings.EMAIL_FROM)


def status() -> str:
    """One line for ``tuidang serve`` to print: where mail goes, or that it goes nowhere."""
    if settings.EMAIL_BACKEND == NO_MAIL_BACKEND:
        return "mail: not configured (TUIDANG_EMAIL_URL unset): alerts and newsletters are not sent"
    if not settings.EMAIL_FROM:
        return "mail: TUIDANG_EMAIL_FROM unset: alerts and newsletters are not sent"
    security = (
        "TLS" if settings.EMAIL_USE_SSL else "STARTTLS" if settings.EMAIL_USE_TLS else "no TLS"
    )
    return (
        f"mail: from {settings.EMAIL_FROM} via {settings.EMAIL_HOST}:{settings.EMAIL_PORT} "
        f"({security})"
    )


def sender_domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"


@functools.cache
def _text_engine() -> Engine:
    """The project's template engine without autoescaping, for subjects and plain text."""
    html = engines["django"].engine  # type: ignore[attr-defined]
    return Engine(
        dirs=html.dirs,
        app_dirs=html.app_dirs,
        libraries=html.libraries,
        autoescape=False,
    )


def _render_text(template_name: str, context: Mapping[str, Any]) -> str:
    return (
        _text_engine().get_template(template_name).render(Context(dict(context), autoescape=False))
    )


def render(
    name: str, context: Mapping[str, Any], *, language: str | None = None
) -> tuple[str, str, str]:
    """The subject, text and HTML of the message ``name`` in ``language`` (see make_message)."""
    full_context = {"site_name": settings.SITE_NAME, **context}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = _render_text(f"emails/{name}-subject.txt", full_context)
        text = _render_text(f"emails/{name}-body.txt", full_context)
        html = render_to_string(f"emails/{name}-body.html", full_context)
    return " ".join(subject.split()), text, html


def build_message(
    rendered: tuple[str, str, str],
    to: str | Sequence[str],
    *,
    headers: Mapping[str, str] | None = None,
) -> EmailMultiAlternatives:
    """A message from what ``render`` made, to ``to``, with its own Message-ID."""
    subject, text, html = rendered
    recipients = [to] if isinstance(to, str) else list(to)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers={"Message-ID": make_msgid(domain=sender_domain()), **(headers or {})},
    )
    message.attach_alternative(html, "text/html")
    return message


def make_message(
    name: str,
    to: str | Sequence[str],
    context: Mapping[str, Any],
    *,
    language: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> EmailMultiAlternatives:
    """The message ``name`` to ``to``, rendered in ``language`` (the site's default if None).

    ``context`` is given to all three templates, with ``site_name`` added. ``headers`` are
    added as they are (e.g. List-Unsubscribe). The Message-ID names the sender's domain, not
    the server's host name.
    """
    return build_message(render(name, context, language=language), to, headers=headers)


def send(messages: EmailMessage | Sequence[EmailMessage]) -> int:
    """Send over one connection; returns how many went. Raises if mail is not configured."""
    batch = [messages] if isinstance(messages, EmailMessage) else list(messages)
    if not batch:
        return 0
    from django.core.mail import get_connection

    with get_connection() as connection:
        return connection.send_messages(batch) or 0


class NotConfiguredBackend(BaseEmailBackend):
    """The backend when no relay is configured: every send fails, saying what to set."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if email_messages:
            raise MailNotConfigured(NOT_CONFIGURED)
        return 0


class SMTPBackend(DjangoSMTPBackend):
    """Django's SMTP backend, greeting the relay with the sender's domain.

    Django says EHLO with the machine's fully qualified host name, which then appears in the
    first Received header of every message: a reader of any alert could learn where the
    server runs. The sender's domain is what the relay is told instead.
    """

    def open(self) -> bool | None:
        if not settings.EMAIL_FROM:
            raise MailNotConfigured(NO_SENDER)
        return super().open()

    @property
    def connection_class(self):
        base = super().connection_class
        helo_name = sender_domain()

        def connect(host: str, port: int, **params: Any):
            params["local_hostname"] = helo_name
            return base(host, port, **params)

        return connect
