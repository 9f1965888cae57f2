"""Background tasks: enqueued in the database, run by `tuidang worker`, pruned when old."""

import io
import logging
from datetime import timedelta

import time_machine
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from tests.mailserver import MailServerMixin
from tuidang import mail, worker
from tuidang.declarations.management.commands import serve

RAN: list[int] = []


@task()
def record(number: int) -> int:
    RAN.append(number)
    return number


@task()
def send_test_message(language: str) -> int:
    return mail.send(mail.make_message("test", "ops@example.org", {}, language=language))


@task()
def fail() -> None:
    raise RuntimeError("boom")


@task()
def refused_recipient() -> None:
    try:
        raise KeyError("reader@example.org")
    except KeyError as error:
        raise RuntimeError("550 5.1.1 <reader@example.org>: no such user") from error


class WorkerTests(MailServerMixin, TestCase):
    def setUp(self):
        super().setUp()
        RAN.clear()

    def test_an_enqueued_task_waits_for_the_worker(self):
        result = record.enqueue(7)
        assert RAN == []
        assert DBTaskResult.objects.get(id=result.id).status == TaskResultStatus.READY
        assert worker.run_ready_tasks() == 1
        assert RAN == [7]
        result.refresh()
        assert result.status == TaskResultStatus.SUCCESSFUL
        assert result.return_value == 7

    def test_a_task_sends_mail_through_the_real_smtp_server(self):
        send_test_message.enqueue("en")
        assert self.mailserver.messages == []
        worker.run_ready_tasks()
        [message] = self.mailserver.to("ops@example.org")
        assert message["Subject"] == "Test message from tuidang"

    def test_a_failing_task_is_recorded_and_the_others_still_run(self):
        failed = fail.enqueue()
        record.enqueue(1)
        assert worker.run_ready_tasks() == 2
        assert RAN == [1]
        failed.refresh()
        assert failed.status == TaskResultStatus.FAILED
        assert failed.errors[0].exception_class is RuntimeError

    def test_a_failed_task_keeps_where_it_failed_but_not_the_message(self):
        # A mail server's refusal names the recipient; neither the row nor the log keeps it.
        with self.assertLogs("django_tasks", level="ERROR") as logged:
            failed = refused_recipient.enqueue()
            worker.run_ready_tasks()
        failed.refresh()
        assert failed.status == TaskResultStatus.FAILED
        [error] = failed.errors
        assert error.exception_class is RuntimeError
        assert "refused_recipient" in error.traceback and "test_worker.py" in error.traceback
        assert "builtins.KeyError: (message withheld)" in error.traceback
        row = DBTaskResult.objects.get(id=failed.id)
        lines = [logging.Formatter().format(record) for record in logged.records]
        for text in (row.traceback, *lines, str(row.return_value)):
            assert "reader@example.org" not in text and "550" not in text
        assert any("builtins.RuntimeError: (message withheld)" in line for line in lines)

    def test_a_task_set_to_run_later_waits_until_then(self):
        later = timezone.now() + timedelta(hours=1)
        record.using(run_after=later).enqueue(2)
        assert worker.run_ready_tasks() == 0
        with time_machine.travel(later + timedelta(seconds=1)):
            assert worker.run_ready_tasks() == 1
        assert RAN == [2]

    def test_periodic_tasks_are_enqueued_when_due(self):
        job = worker.Periodic(record, 60)
        original = list(worker.PERIODIC)
        worker.PERIODIC[:] = [job]
        try:
            next_due: dict[int, float] = {}
            assert worker.enqueue_due(next_due, 1000.0) == 1  # at start
            assert worker.enqueue_due(next_due, 1030.0) == 0  # not yet
            assert worker.enqueue_due(next_due, 1060.0) == 1
        finally:
            worker.PERIODIC[:] = original
        assert DBTaskResult.objects.ready().count() == 2

    def test_finished_rows_are_pruned_after_the_retention(self):
        record.enqueue(3)
        worker.run_ready_tasks()
        assert worker.prune_finished() == 0
        with time_machine.travel(timezone.now() + timedelta(hours=25)):
            assert worker.prune_finished() == 1
        assert not DBTaskResult.objects.exists()

    def test_worker_once_runs_what_is_ready(self):
        record.enqueue(4)
        out = io.StringIO()
        call_command("worker", "--once", "--no-schedule", stdout=out)
        assert RAN == [4]
        assert "ran 1 task(s)" in out.getvalue()


def test_serve_starts_one_worker():
    assert ["worker"] in serve.BACKGROUND_COMMANDS
    assert ["worker"] in serve.runnable_background_commands()
