"""Following by e-mail, delivered through a real SMTP server: subscribe -> confirm -> per-post
mail -> one-click unsubscribe; the same answer for every address; addresses sealed at rest;
batches paced per domain; hard bounces suppressed."""

import re
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from tempfile import TemporaryDirectory

import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from wagtail.models import Page

from tests.base import BaseTestCase
from tests.mailserver import MailServerMixin
from tests.newsroom_mail.pages import run_ready_tasks
from tuidang.newsroom_subscriptions import crypto
from tuidang.newsroom_subscriptions.models import Delivery, Subscriber, SubscriberState

LANGUAGES = ("zh-hans", "zh-hant", "en")
CHECK_MAIL = {"zh-hans": "请查看你的邮箱", "zh-hant": "請查看你的信箱", "en": "Check your mailbox"}
LINK = re.compile(r"https?://\S+/follow/(?:confirm|unsubscribe)/\d+/\w+/")


def publish(title: str) -> Page:
    root = Page.get_first_root_node()
    page = Page(title=title, slug=f"p{Page.objects.count()}", live=False)
    root.add_child(instance=page)
    page.save_revision().publish()
    return page


@override_settings(
    FOLLOWERS_PAGE_MODELS=["wagtailcore.page"], FOLLOWERS_SITE_URL="https://news.example"
)
class FollowersTestCase(MailServerMixin, BaseTestCase):
    def follow(self, address: str, language: str = "en", frequency: str = "post"):
        return self.client.post(
            f"/{language}/follow/", {"address": address, "frequency": frequency}
        )

    def run_tasks(self, rounds=0) -> None:
        """Run what is ready (and, without a limit, what that enqueues) as the worker would;
        tasks enqueue others on commit, which a TestCase's transaction otherwise holds back."""
        while True:
            with self.captureOnCommitCallbacks(execute=True):
                ran = run_ready_tasks()
            rounds -= 1
            if not ran or rounds == 0:
                return

    def link_in(self, message: EmailMessage) -> str:
        return LINK.search(self.mailserver.text(message))[0].removeprefix("https://news.example")

    def test_subscribe_confirm_per_post_mail_and_one_click_unsubscribe_in_three_languages(self):
        for language in LANGUAGES:
            address = f"reader-{language}@example.org"
            with self.captureOnCommitCallbacks(execute=True):
                response = self.follow(address, language)
            self.assertContains(response, CHECK_MAIL[language])
            self.run_tasks()
            [confirmation] = self.mailserver.to(address)
            link = self.link_in(confirmation)
            self.assertTrue(link.startswith(f"/{language}/follow/confirm/"))
            # A scanner fetching the link changes nothing; the button does.
            self.assertContains(self.client.get(link), "<form")
            self.assertEqual(
                Subscriber.objects.get(address_hash=crypto.lookup_hash(address)).state, "pending"
            )
            self.client.post(link)
            self.assertEqual(
                Subscriber.objects.get(address_hash=crypto.lookup_hash(address)).state, "active"
            )
        self.assertContains(self.client.get("/zh-hant/follow/"), "3")
        self.mailserver.clear()

        with self.captureOnCommitCallbacks(execute=True):
            publish("新文章：三退大潮")
        self.run_tasks()
        messages = self.mailserver.messages
        self.assertEqual(len(messages), 3)
        for language in LANGUAGES:
            [message] = self.mailserver.to(f"reader-{language}@example.org")
            self.assertEqual(message["Subject"], "新文章：三退大潮")
            self.assertIn("新文章：三退大潮", self.mailserver.html(message))
            self.assertEqual(message["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
            unsubscribe = message["List-Unsubscribe"].strip().strip("<>")
            self.assertTrue(
                unsubscribe.startswith(f"https://news.example/{language}/follow/unsubscribe/")
            )
            path = unsubscribe.removeprefix("https://news.example")
            self.assertContains(self.client.get(path), "<form")
            # RFC 8058: the provider's POST has no CSRF token and no cookie.
            provider = Client(enforce_csrf_checks=True)
            response = provider.post(path, {"List-Unsubscribe": "One-Click"})  # multipart
            self.assertEqual(response.status_code, 200)
            response = provider.post(
                path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
            )
            self.assertEqual(response.status_code, 200)
        self.assertFalse(Subscriber.objects.exists())
        # Republishing the page mails nobody again.
        self.mailserver.clear()

    def test_the_answer_is_the_same_whether_or_not_the_address_follows(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.follow("known@example.org")
        Subscriber.objects.update(state=SubscriberState.ACTIVE)
        answers = []
        for address in ("known@example.org", "new@example.org"):
            response = self.follow(address)
            body = re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", response.content.decode())
            answers.append((response.status_code, body))
        self.assertEqual(answers[0], answers[1])
        self.mailserver.clear()
        self.run_tasks()
        self.assertEqual(self.mailserver.to("known@example.org"), [])
        self.assertEqual(len(self.mailserver.to("new@example.org")), 1)

    def test_addresses_are_sealed_at_rest_and_found_by_keyed_hash(self):
        self.follow("Secret.Reader@Example.ORG")
        dump = "\n".join(connection.connection.iterdump()) if connection.vendor == "sqlite" else ""
        row = Subscriber.objects.get()
        self.assertNotIn("secret.reader", str(Subscriber.objects.values()).lower())
        self.assertNotIn("Secret.Reader", dump)
        self.assertEqual(row.address, "Secret.Reader@example.org")
        self.assertEqual(row.address_hash, crypto.lookup_hash("Secret.Reader@example.org "))

    def test_bad_input_is_refused_in_the_readers_language(self):
        messages = {
            "zh-hans": "输入一个有效的 Email 地址。",
            "zh-hant": "輸入有效的電子郵件地址。",
            "en": "Enter a valid email address.",
        }
        for language in LANGUAGES:
            response = self.follow("not an address", language)
            self.assertEqual(response.status_code, 400)
            self.assertContains(response, messages[language], status_code=400)
            self.assertContains(response, 'value="not an address"', status_code=400)
        self.assertFalse(Subscriber.objects.exists())

    @override_settings(
        FOLLOWERS_BATCH_SIZE=10, FOLLOWERS_PER_DOMAIN_PER_BATCH=3, FOLLOWERS_BATCH_PAUSE=60
    )
    def test_batches_resume_and_pace_each_domain(self):
        for i in range(8):
            self.make_follower(f"a{i}@big.example")
        for i in range(4):
            self.make_follower(f"b{i}@small.example")
        with self.captureOnCommitCallbacks(execute=True):
            publish("分批")
        self.run_tasks(rounds=1)  # what publishing enqueued: start_post_mailing
        self.run_tasks(rounds=1)  # the first batch
        first = self.mailserver.messages
        self.assertEqual(len(first), 6)  # three per domain
        self.assertEqual(Delivery.objects.filter(sent_at__isnull=True).count(), 6)
        self.run_tasks()  # the next batch waits for the pause
        self.assertEqual(len(self.mailserver.messages), 6)
        counts = []
        for minute in (1, 2, 3):
            with time_machine.travel(timezone.now() + timedelta(seconds=61 * minute)):
                self.run_tasks()
            counts.append(len(self.mailserver.messages))
        # big.example (8) takes three batches of at most 3; small.example (4) two.
        self.assertEqual(counts, [10, 12, 12])
        self.assertFalse(Delivery.objects.filter(sent_at__isnull=True).exists())

    @override_settings(FOLLOWERS_MARK_EVERY=2)
    def test_one_rendering_per_language_and_each_follower_gets_their_own_link(self):
        followers = [self.make_follower(f"r{i}@d{i}.example", LANGUAGES[i % 3]) for i in range(7)]
        with self.captureOnCommitCallbacks(execute=True):
            publish("各自的退订链接")
        self.run_tasks()
        self.assertFalse(Delivery.objects.filter(sent_at__isnull=True).exists())
        by_address = {m["To"]: m for m in self.mailserver.messages}
        read_it = {"zh-hans": "阅读全文：", "zh-hant": "閱讀全文：", "en": "Read it:"}
        for i, follower in enumerate(followers):
            with self.subTest(follower=i):
                message = by_address[f"r{i}@d{i}.example"]
                own = f"/{follower.language}/follow/unsubscribe/{follower.pk}/"
                text = self.mailserver.text(message)
                self.assertIn(own, text)
                self.assertIn(read_it[follower.language], text)
                self.assertIn(own, message["List-Unsubscribe"])
                html = self.mailserver.html(message)
                self.assertIn(f'href="https://news.example{own}', html)
                self.assertNotIn("unsubscribe.invalid", text + html)

    def make_follower(self, address: str, language: str = "en") -> Subscriber:
        return Subscriber.objects.create(
            address_hash=crypto.lookup_hash(address),
            address_box=crypto.seal(address),
            language=language,
            frequency="post",
            state=SubscriberState.ACTIVE,
            salt="s",
        )

    def test_hard_bounces_from_a_mailbox_are_suppressed_and_never_mailed(self):
        bounced = self.make_follower("gone@example.net")
        self.make_follower("here@example.net")
        dsn = (
            "From: MAILER-DAEMON@example.net\nTo: centre@tuidang.test\nSubject: failure\n"
            "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n"
            "--B\nContent-Type: text/plain\n\nfailed\n\n"
            "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
            "Final-Recipient: rfc822; gone@example.net\nAction: failed\nStatus: 5.1.1\n\n"
            "--B--\n"
        )
        soft = dsn.replace("gone@", "here@").replace(
            "failed\nStatus: 5.1.1", "delayed\nStatus: 4.2.2"
        )
        with TemporaryDirectory() as tmp:
            (Path(tmp) / "new").mkdir()
            (Path(tmp) / "new" / "1").write_text(dsn)
            (Path(tmp) / "new" / "2").write_text(soft)
            call_command("followers", "bounces", tmp)
        bounced.refresh_from_db()
        self.assertEqual((bounced.state, bounced.address_box), (SubscriberState.BOUNCED, None))
        self.assertEqual(Subscriber.objects.active().count(), 1)
        with self.captureOnCommitCallbacks(execute=True):
            self.follow("gone@example.net")
        self.run_tasks()
        self.assertEqual(self.mailserver.to("gone@example.net"), [])
        with self.captureOnCommitCallbacks(execute=True):
            publish("退信之后")
        self.run_tasks()
        self.assertEqual([m["To"] for m in self.mailserver.messages], ["here@example.net"])
