"""``tuidang followers count`` and ``tuidang followers bounces DIR``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tuidang.newsroom_subscriptions import bounces, crypto
from tuidang.newsroom_subscriptions.models import Subscriber


class Command(BaseCommand):
    help = "E-mail followers: count them, or suppress hard bounces read from a mailbox directory."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("count", help="print how many confirmed followers there are")
        read = sub.add_parser("bounces", help="suppress addresses that hard-bounced (DSNs in DIR)")
        read.add_argument("directory", type=Path)

    def handle(self, *args, action, **options):
        if action == "count":
            self.stdout.write(str(Subscriber.objects.active().count()))
            return
        directory = options["directory"]
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        reports = suppressed = 0
        for path in bounces.messages_in(directory):
            reports += 1
            for address in bounces.hard_bounced(path.read_bytes()):
                subscriber = Subscriber.objects.filter(
                    address_hash=crypto.lookup_hash(address)
                ).first()
                if subscriber is not None and subscriber.address_box is not None:
                    subscriber.suppress()
                    suppressed += 1
        self.stdout.write(f"{reports} message(s) read, {suppressed} address(es) suppressed")
