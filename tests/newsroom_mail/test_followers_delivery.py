"""A receiving server that refuses a follower with 5xx suppresses it during sending; digests
list the day's posts."""

from datetime import timedelta

import time_machine
from django.test import override_settings
from django.utils import timezone

from tests.base import BaseTestCase
from tests.mailserver import _FreePortController
from tests.newsroom_mail.pages import run_ready_tasks
from tests.newsroom_mail.test_followers import publish
from tuidang.newsroom_subscriptions import crypto
from tuidang.newsroom_subscriptions.models import Subscriber, SubscriberState
from tuidang.newsroom_subscriptions.tasks import make_digests


class RefusingHandler:
    """Accepts every recipient but one, which it refuses as a mailbox that does not exist."""

    def __init__(self):
        self.accepted: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("gone@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.accepted += envelope.rcpt_tos
        return "250 accepted"


def follower(address: str, frequency: str = "post") -> Subscriber:
    return Subscriber.objects.create(
        address_hash=crypto.lookup_hash(address),
        address_box=crypto.seal(address),
        language="zh-hant",
        frequency=frequency,
        state=SubscriberState.ACTIVE,
        salt="s",
    )


class DeliveryTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.handler = RefusingHandler()
        self.smtp = _FreePortController(self.handler, hostname="127.0.0.1", port=0)
        self.smtp.start()
        self.addCleanup(self.smtp.stop)
        mail = override_settings(
            EMAIL_BACKEND="tuidang.mail.SMTPBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=self.smtp.port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_FROM="centre@tuidang.test",
            DEFAULT_FROM_EMAIL="centre@tuidang.test",
            FOLLOWERS_PAGE_MODELS=["wagtailcore.page"],
        )
        mail.enable()
        self.addCleanup(mail.disable)

    def run_tasks(self) -> None:
        while True:
            with self.captureOnCommitCallbacks(execute=True):
                if not run_ready_tasks():
                    return

    def test_a_5xx_refusal_at_send_time_suppresses_the_address(self):
        gone = follower("gone@example.net")
        follower("here@example.net")
        with self.captureOnCommitCallbacks(execute=True):
            publish("拒收")
        self.run_tasks()
        self.assertEqual(self.handler.accepted, ["here@example.net"])
        gone.refresh_from_db()
        self.assertEqual((gone.state, gone.address_box), (SubscriberState.BOUNCED, None))

    def test_daily_followers_get_yesterdays_posts_in_one_digest(self):
        follower("daily@example.net", "daily")
        follower("post@example.net", "post")
        yesterday = timezone.now() - timedelta(days=1)
        with time_machine.travel(yesterday.replace(hour=12)):
            publish("昨天的新闻一")
            publish("昨天的新闻二")
        self.run_tasks()
        self.handler.accepted.clear()
        with self.captureOnCommitCallbacks(execute=True):
            made = make_digests.call()
        self.assertEqual(made, 1)
        self.run_tasks()
        self.assertEqual(self.handler.accepted, ["daily@example.net"])
        # Run again within the day: the digest is not made twice.
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(make_digests.call(), 0)
