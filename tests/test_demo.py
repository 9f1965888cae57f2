"""``tuidang demo`` fills an instance through the models' own methods, so the tally adds up."""

import io
import os
import re
import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db.models import Count
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.base import BaseTestCase, make_submission, run_sequencer
from tuidang.declarations.models import (
    Channel,
    Person,
    Status,
    Submission,
    TallyCounter,
)
from tuidang.hotline.models import Call, CallOutcome

pytestmark = pytest.mark.slow


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


class DemoTests(BaseTestCase):
    def test_fills_an_empty_instance_consistently(self):
        output = run_demo("--declarations", "500", "--seed", "7")
        run_sequencer()

        accepted_people = Person.objects.filter(submission__status=Status.ACCEPTED).count()
        tally = TallyCounter.snapshot()
        days = sum(value for key, value in tally.items() if key.startswith("day:"))
        assert accepted_people >= 490  # a random alias may repeat and wait as a duplicate
        assert tally["total"] == days == accepted_people
        channels = sum(value for key, value in tally.items() if key.startswith("channel:"))
        assert channels == accepted_people
        assert f"{accepted_people} people declared" in output

        submissions = Submission.objects.all()
        assert {s.channel for s in submissions} == set(Channel.values)
        assert submissions.filter(status=Status.PENDING).count() >= 5
        rejected = submissions.filter(status=Status.REJECTED)
        assert rejected.count() >= 5
        assert all(s.rejection_reason for s in rejected)
        assert (
            sum(v for k, v in tally.items() if k.startswith("rejected:"))
            == Person.objects.filter(submission__status=Status.REJECTED).count()
        )
        families = submissions.annotate(size=Count("people")).filter(size__gt=1)
        assert families.exists()
        assert max(f.size for f in families) <= 5
        assert not submissions.filter(channel=Channel.PHONE, entered_by__isnull=True).exists()
        assert tally.get("region:abroad", 0) > 0
        assert len([k for k in tally if k.startswith("region:CN-")]) > 15
        days_seen = {s.declared_on for s in submissions}
        assert (max(days_seen) - min(days_seen)).days > 600
        assert Call.objects.filter(outcome=CallOutcome.HARASSMENT).exists()
        self.assert_newsroom_filled()

    def assert_newsroom_filled(self) -> None:
        """Issue 11, point 10: 30+ articles in 4+ categories in the three languages, reprints,
        comments open and closed, followers and view counts for top posts."""
        from tuidang.newsroom.models import ArticlePage, CategoryPage, HourlyView
        from tuidang.newsroom_comments.models import Comment, comments_open
        from tuidang.newsroom_subscriptions.models import Subscriber

        articles = ArticlePage.objects.live()
        assert articles.count() >= 30
        categories = set(articles.values_list("category", flat=True))
        assert len(categories) >= 4 and CategoryPage.objects.live().count() >= 4
        assert {"zh-hans", "zh-hant", "en"} <= set(articles.values_list("language", flat=True))
        assert articles.exclude(reprint_source="").exists()
        assert Comment.objects.approved().exists()
        states = {comments_open(article) for article in articles}
        assert states == {True, False}
        assert Subscriber.objects.active().exists()
        assert HourlyView.objects.exists()

    def test_prints_a_working_login_with_a_second_factor(self):
        output = run_demo("--declarations", "20", "--url", "http://example.test:8080/")
        demo = User.objects.get(username="demo")
        password = re.search(r"password: (\S+)", output).group(1)
        assert demo.check_password(password)
        assert demo.is_staff
        assert demo.groups.filter(name="admin").exists()
        device = TOTPDevice.objects.get(user=demo, confirmed=True)
        assert device.config_url in output
        assert "http://example.test:8080/zh-hans/staff/login/" in output
        assert "▀" in output or "█" in output  # the QR code for an authenticator app

    def test_refuses_an_instance_that_has_declarations_unless_forced(self):
        make_submission("既有的人")
        with pytest.raises(CommandError, match="already has declarations"):
            run_demo("--declarations", "10")
        assert Submission.objects.count() == 1

        run_demo("--declarations", "10", "--force")
        run_sequencer()
        accepted = Person.objects.filter(submission__status=Status.ACCEPTED).count()
        assert accepted > 10
        assert TallyCounter.snapshot()["total"] == accepted


def test_runs_first_on_a_fresh_data_directory(tmp_path):
    # The README's tour starts with `tuidang demo` before `tuidang serve` has made any table.
    env = {**os.environ, "TUIDANG_DATA_DIR": str(tmp_path), "TUIDANG_DATABASE_URL": ""}
    result = subprocess.run(
        [sys.executable, "-m", "tuidang.cli", "demo", "--declarations", "40", "--days", "5"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "username: demo" in result.stdout
    assert re.search(r"people declared over 5 days", result.stdout)
    # A served demo would log only hourly; it says how to see declarations appear sooner.
    assert "TUIDANG_LOG_INTERVAL=60 TUIDANG_LOG_MIN_BATCH=1" in result.stdout
    assert (tmp_path / "tuidang.sqlite3").exists()
