"""The cases app's background tasks (run by ``tuidang worker``; see tuidang/worker.py)."""

from django_tasks import task

from tuidang.cases import alerts
from tuidang.worker import periodic

# Alerts count in days, check-ins in hours: a few minutes' lag is nothing to either.
ALERT_CHECK_SECONDS = 300


@periodic(ALERT_CHECK_SECONDS)
@task()
def check_casework_alerts() -> dict[str, int]:
    """Raise what has come due, then e-mail every alert not yet e-mailed (idempotent)."""
    raised = alerts.raise_due()
    sent = alerts.send_pending()
    return {"raised": raised, "emailed": sent}


@task()
def send_casework_alerts() -> int:
    """E-mail pending alerts now (enqueued when a check-in asks for help)."""
    return alerts.send_pending()
