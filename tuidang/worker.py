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

A task's row keeps its arguments, its return value and the text of any error. So tasks take
ids, never names, addresses or other personal data, and return counts; the worker deletes
finished rows after ``TUIDANG_TASK_RESULT_HOURS``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections
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


def discover() -> None:
    """Import every installed app's ``tasks`` module, so that tasks and schedules exist."""
    autodiscover_modules("tasks")


def run_ready_tasks(max_tasks: int | None = None) -> int:
    """Run every task whose time has come, in this process; returns how many ran.

    What the worker does on each round, and what tests call to run what a request enqueued.
    A task that raises is recorded as failed (the exception's class and traceback on its row);
    the others still run.
    """
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    )
    worker.run()
    return worker._run_tasks


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
