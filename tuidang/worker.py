"""Running background tasks: the loop behind ``tuidang worker`` and the periodic-task registry.

Tasks are defined with the Tasks API (``from django_tasks import task``; ``django.tasks`` from
Django 6 on) in a ``tasks.py`` module of their app, and enqueued with ``.enqueue(ids…)``: the
database backend writes a row in the caller's transaction, so a task enqueued by a request
that rolls back never runs. ``tuidang worker`` (one of the children ``tuidang serve`` starts)
runs the ready rows.

A task that must run on a schedule rather than in answer to something (casework alerts: a
deadline comes closer with nobody doing anything) is registered with ``@periodic(seconds)``
on top of ``@task()``. The worker enqueues it when it starts and then every ``seconds``.
Periodic tasks must be idempotent: two workers may both enqueue one, a run may be repeated
after a crash, and a run that finds nothing to do does nothing.

A task's row keeps its arguments, its return value and the traceback of any error. So tasks
take ids, never names, addresses or other personal data, and return counts; the worker deletes
finished rows after ``TUIDANG_TASK_RESULT_HOURS``. An exception's message is another matter: a
mail server refusing a recipient names the address, a database error may quote a value. So a
failed task's row and its log line keep the exception's class and where it was raised, never
its message (``withhold_messages``), unless its class says the message is ours and names no
person (``message_is_ours = True``, e.g. ``mail.MailNotConfigured``).
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import OperationalError, close_old_connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Periodic:
    task: Any  # a django_tasks Task
    every_seconds: float


PERIODIC: list[Periodic] = []


def periodic(every_seconds: float) -> Callable[[Any], Any]:
    """Register the task below (a ``@task()``) to be enqueued by the worker every so often."""

    def register(task: Any) -> Any:
        PERIODIC.append(Periodic(task, every_seconds))
        return task

    return register


def without_messages(exc: BaseException) -> str:
    """A traceback of ``exc`` (and the exceptions it came from) with every message left out."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(  # no source lines either: only where, never what
            f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}\n'
            for frame in traceback.extract_tb(current.__traceback__)
        )
        kind = f"{type(current).__module__}.{type(current).__qualname__}"
        # An exception class of ours may vouch that its message names no person.
        message = (
            str(current) if getattr(current, "message_is_ours", False) else "(message withheld)"
        )
        parts.append(f"Traceback (most recent call last):\n{frames}{kind}: {message}\n")
        current = current.__cause__ or current.__context__
    return "\nwhich came from:\n\n".join(parts)


class WithholdMessages(logging.Filter):
    """On ``django_tasks``' log lines: a failed task is logged with its exception's class and
    frames, never its message (the task row gets the same, ``run_ready_tasks``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = f"{record.getMessage()}\n{without_messages(record.exc_info[1])}"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def withhold_messages(row: Any) -> None:
    """Have the task row ``row`` (a DBTaskResult) record a failure without its message.

    What django-tasks-db's ``set_failed`` records, with ``without_messages`` for the traceback,
    in one write: the message never reaches the database, not even its journal.
    """
    from django_tasks import TaskResultStatus

    def set_failed(exc: BaseException) -> None:
        row.status = TaskResultStatus.FAILED
        row.finished_at = timezone.now()
        row.exception_class_path = f"{type(exc).__module__}.{type(exc).__qualname__}"
        row.traceback = without_messages(exc)
        row.return_value = None
        row.save(
            update_fields=[
                "status",
                "return_value",
                "finished_at",
                "exception_class_path",
                "traceback",
            ]
        )

    row.set_failed = set_failed


def discover() -> None:
    """Import every installed app's ``tasks`` module, so that tasks and schedules exist."""
    autodiscover_modules("tasks")


def run_ready_tasks(max_tasks: int | None = None) -> int:
    """Run every task whose time has come, in this process; returns how many ran.

    What the worker does on each round, and what tests call to run what a request enqueued.
    A task that raises is recorded as failed (the exception's class and traceback on its row);
    the others still run.

    The loop is django-tasks-db's ``db_worker`` loop (claim one ready row under a lock, run
    it, record the outcome) without its ``close_old_connections()`` calls: those would close
    the connection of a test's transaction, and ``run`` below does them between rounds.
    """
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

    runner = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    )
    ran = 0
    while max_tasks is None or ran < max_tasks:
        ready = DBTaskResult.objects.ready().filter(backend_name="default")
        with exclusive_transaction(ready.db):
            try:
                claimed = ready.get_locked()
            except OperationalError as error:
                if is_locked_database_exception(error):
                    return ran  # another writer holds SQLite's lock: the next round retries
                raise
            if claimed is None:
                return ran
            claimed.claim(runner.worker_id)
        withhold_messages(claimed)
        runner.run_task(claimed)
        ran += 1
    return ran


def prune_finished() -> int:
    """Delete the rows of tasks that finished more than TUIDANG_TASK_RESULT_HOURS ago."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(hours=settings.TASK_RESULT_HOURS)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted


def enqueue_due(next_due: dict[int, float], now: float) -> int:
    """Enqueue each periodic task whose time has come; ``next_due`` maps index → monotonic time."""
    enqueued = 0
    for index, job in enumerate(PERIODIC):
        if now >= next_due.get(index, 0.0):
            job.task.enqueue()
            next_due[index] = now + job.every_seconds
            enqueued += 1
    return enqueued


def run(
    *,
    interval: float,
    once: bool,
    schedule: bool,
    stopping: threading.Event,
    report: Callable[[str], None],
) -> None:
    """The worker's loop: enqueue what is due, run what is ready, prune, wait ``interval``."""
    discover()
    next_due: dict[int, float] = {}
    while True:
        if schedule:
            enqueue_due(next_due, time.monotonic())
        ran = run_ready_tasks()
        pruned = prune_finished()
        if once or ran or pruned:
            report(f"worker: ran {ran} task(s), pruned {pruned} finished")
        if once:
            return
        close_old_connections()
        if stopping.wait(interval):
            return
