"""``tuidang newsroom two-person on|off``: whether publishing news takes a second editor.

On: the "Two-person approval" workflow (made by a data migration) is assigned to the news
index, and the editor group loses its publish permission, so an editor's article waits until
another editor approves it (tuidang.newsroom.models.TwoPersonApprovalTask). Off: both undone.
Admins keep their publish permission either way (docs/newsroom.md).
"""

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from wagtail.models import GroupPagePermission, Workflow, WorkflowPage

from tuidang.accounts.models import AuditEvent, command_line_detail
from tuidang.newsroom.models import EDITOR, NewsIndexPage

WORKFLOW_NAME = "Two-person approval"


def set_two_person(on: bool) -> None:
    index = NewsIndexPage.objects.get()
    workflow = Workflow.objects.get(name=WORKFLOW_NAME)
    editors = Group.objects.get(name=EDITOR)
    publish = Permission.objects.get(content_type__app_label="wagtailcore", codename="publish_page")
    if on:
        WorkflowPage.objects.update_or_create(page=index, defaults={"workflow": workflow})
        GroupPagePermission.objects.filter(group=editors, permission=publish).delete()
    else:
        WorkflowPage.objects.filter(page=index, workflow=workflow).delete()
        GroupPagePermission.objects.get_or_create(group=editors, page=index, permission=publish)
    AuditEvent.record(None, "news.two_person", None, on=on, **command_line_detail())


class Command(BaseCommand):
    help = "Newsroom settings kept in the database: two-person approval of publishing."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        two = sub.add_parser("two-person", help="require a second editor's approval to publish")
        two.add_argument("state", choices=["on", "off", "status"])

    def handle(self, *args, action: str, state: str, **options):
        if action != "two-person":
            raise CommandError(f"unknown action {action}")
        if state != "status":
            set_two_person(state == "on")
        index = NewsIndexPage.objects.get()
        on = WorkflowPage.objects.filter(page=index, workflow__name=WORKFLOW_NAME).exists()
        self.stdout.write(f"two-person approval: {'on' if on else 'off'}")
