from django.urls import path

from tuidang.declarations.views import (
    declare,
    intake,
    queue,
    receipts,
    staffcounts,
    statements,
    tally,
)

urlpatterns = [
    path("", tally.home, name="home"),
    # The public way in.
    path("declare/", declare.declare, name="declarations-declare"),
    path("declare/thanks/", declare.thanks, name="declarations-thanks"),
    path("receipt/", receipts.receipt, name="declarations-receipt"),
    # What is published.
    path("statements/", statements.today, name="declarations-statements-today"),
    path("statements/<str:day>/", statements.day, name="declarations-statements-day"),
    path("tally/", tally.tally, name="declarations-tally"),
    # Staff: volunteers and moderators.
    path("staff/intake/", intake.intake, name="declarations-intake"),
    path("staff/import/", intake.import_csv, name="declarations-import"),
    path("staff/queue/", queue.queue, name="declarations-queue"),
    path("staff/entered/", staffcounts.staff_counts, name="declarations-staff-counts"),
]
