"""Sending 10,000 per-post mails to followers through a local SMTP server, with the rate.

Makes a fresh data dir (SQLite), migrates it, creates N confirmed per-post followers (sealed
addresses over 50 domains), starts the test suite's aiosmtpd server (tests/mailserver.py) in a
separate process, publishes one page and runs the worker's task loop until every delivery is
sent, as ``tuidang worker`` would but with no pause between batches. In the same run, the
ceiling: the same number of messages made with ``make_message`` and sent over one connection
with no database work. Usage (results in bench/RESULTS.md)::

    .venv/bin/python bench/followers_mail.py --followers 10000
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = """
import sys, time
sys.path.insert(0, {root!r})
from tests.mailserver import MailServer
server = MailServer().start()
print(server.port, flush=True)
sys.stdin.read()
print(len(server.deliveries), flush=True)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    os.environ["TUIDANG_DATA_DIR"] = tempfile.mkdtemp(prefix="tuidang-bench-mail-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tuidang.settings"
    sys.path.insert(0, str(ROOT))
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER.format(root=str(ROOT))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    port = int(server.stdout.readline())

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings
    from wagtail.models import Page

    from tuidang import mail, worker
    from tuidang.newsroom_subscriptions import crypto
    from tuidang.newsroom_subscriptions.models import Delivery, Subscriber

    call_command("migrate", verbosity=0)
    mail_settings = {
        "EMAIL_BACKEND": "tuidang.mail.SMTPBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False,
        "EMAIL_FROM": "news@tuidang.test",
        "DEFAULT_FROM_EMAIL": "news@tuidang.test",
        "FOLLOWERS_PAGE_MODELS": ["wagtailcore.page"],
        "FOLLOWERS_BATCH_SIZE": args.batch,
        "FOLLOWERS_PER_DOMAIN_PER_BATCH": args.batch,
        "FOLLOWERS_BATCH_PAUSE": 0,
    }
    with override_settings(**mail_settings):
        started = time.perf_counter()
        languages = [code for code, _ in settings.LANGUAGES]
        Subscriber.objects.bulk_create(
            [
                Subscriber(
                    address_hash=crypto.lookup_hash(f"reader{i}@d{i % 50}.example"),
                    address_box=crypto.seal(f"reader{i}@d{i % 50}.example"),
                    language=languages[i % 3],
                    frequency="post",
                    state="active",
                    salt="s",
                )
                for i in range(args.followers)
            ],
            batch_size=2000,
        )
        print(f"{args.followers} followers made in {time.perf_counter() - started:.1f} s")

        root = Page.get_first_root_node()
        page = Page(title="退党新闻：基准测试", slug="bench", live=False)
        root.add_child(instance=page)
        started = time.perf_counter()
        page.save_revision().publish()
        tasks = 0
        while True:
            ran = worker.run_ready_tasks()
            tasks += ran
            if not ran:
                break
        elapsed = time.perf_counter() - started
        sent = Delivery.objects.filter(sent_at__isnull=False).count()
        print(
            f"followers: {sent} mails in {elapsed:.1f} s = {sent / elapsed:.0f} mails/s "
            f"({tasks} tasks, batches of {args.batch})"
        )

        started = time.perf_counter()
        messages = [
            mail.make_message(
                "follow-post",
                f"reader{i}@d{i % 50}.example",
                {
                    "pages": [{"title": page.title, "url": "https://x/", "summary": ""}],
                    "unsubscribe_url": "https://x/u/",
                    "kind": "post",
                },
                language=languages[i % 3],
            )
            for i in range(args.followers)
        ]
        mail.send(messages)
        elapsed = time.perf_counter() - started
        print(
            f"ceiling: {len(messages)} mails in {elapsed:.1f} s = {len(messages) / elapsed:.0f} mails/s "
            "(make_message + one connection, no database)"
        )
    server.stdin.close()
    print(f"the SMTP server received {server.stdout.readline().strip()} messages")
    server.wait()


if __name__ == "__main__":
    main()
