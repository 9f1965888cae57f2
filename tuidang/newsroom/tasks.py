"""The newsroom's background tasks (run by ``tuidang worker``; see tuidang/worker.py)."""

from django.core.management import call_command
from django.utils import timezone
from django_tasks import task

from tuidang.worker import periodic

# A page scheduled for 10:00 goes live within this many seconds after it.
PUBLISH_SCHEDULED_SECONDS = 60


@periodic(PUBLISH_SCHEDULED_SECONDS)
@task()
def publish_scheduled() -> int:
    """Wagtail's ``publish_scheduled``: publish the revisions whose go-live time has passed and
    unpublish the pages whose expiry time has passed; returns how many revisions it published.

    Idempotent: a revision is published once (Wagtail clears its ``approved_go_live_at``), and
    a round with nothing due changes nothing.
    """
    from wagtail.models import Revision

    due = Revision.objects.filter(approved_go_live_at__lt=timezone.now()).count()
    call_command("publish_scheduled", verbosity=0)
    return due
