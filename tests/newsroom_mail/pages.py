"""Wagtail pages for the comments and followers tests, without the newsroom's own models."""

from unittest import mock

from django.utils import timezone
from wagtail.models import Page


def make_page(title: str = "退党声明与新闻", slug: str = "", published=None) -> Page:
    root = Page.get_first_root_node()
    page = Page(title=title, slug=slug or f"p{Page.objects.count()}", live=True)
    root.add_child(instance=page)
    page.first_published_at = published or timezone.now()
    page.save()
    return page


def run_ready_tasks() -> int:
    """``tuidang.worker.run_ready_tasks`` inside a TestCase's transaction.

    The database worker calls ``close_old_connections()`` before each task; inside a test's
    transaction (autocommit off) that really closes a PostgreSQL connection (SQLite's in-memory
    test database survives it), so the tests leave the connection to the test case.
    """
    from tuidang import worker

    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        return worker.run_ready_tasks()
