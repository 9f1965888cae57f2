"""``tuidang testmail ADDRESS``: send one message through the configured relay, now.

For the operator setting up mail (docs/deploy.md, "E-mail"): it sends in the foreground, not as
a background task, so that a wrong password or an unreachable relay is reported right here.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tuidang import mail


class Command(BaseCommand):
    help = "Send a test message to ADDRESS through the configured mail relay."

    def add_arguments(self, parser):
        parser.add_argument("address")
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _ in settings.LANGUAGES],
        )

    def handle(self, *args, address, language, **options):
        message = mail.make_message("test", address, {}, language=language)
        try:
            mail.send(message)
        except mail.MailNotConfigured as refusal:
            raise CommandError(str(refusal)) from None
        except OSError as error:  # smtplib's errors are OSErrors: refused, TLS, timeout
            raise CommandError(f"sending failed: {error}") from None
        self.stdout.write(f"sent a test message to {address}. {mail.status()}")
