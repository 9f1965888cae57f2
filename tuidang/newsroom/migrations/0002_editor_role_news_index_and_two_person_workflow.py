"""The editor role, the news index at the site's root, and a (not yet assigned) two-person
approval workflow. ``tuidang newsroom two-person on`` assigns it (docs/newsroom.md)."""

import uuid

from django.db import migrations
from django.utils import timezone

EDITOR = "editor"
ADMIN = "admin"
PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
# Wagtail checks image permissions against its own Image model, whatever the image model is.
IMAGE_PERMISSIONS = ["add_image", "change_image", "choose_image", "delete_image"]
SNIPPETS = ["readinglistitem", "didyouknow", "featuredreport"]
WORKFLOW_NAME = "Two-person approval"


def permission(apps, app_label, model, codename):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    perm, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename=codename,
        defaults={"name": codename.replace("_", " ").capitalize()},
    )
    return perm


def content_type(apps, app_label, model):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label=app_label, model=model)[0]


def add_newsroom(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    Locale = apps.get_model("wagtailcore", "Locale")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    NewsIndexPage = apps.get_model("newsroom", "NewsIndexPage")

    # The news index replaces Wagtail's placeholder welcome page as the site's root.
    root = Page.objects.get(depth=1)
    welcome_type = content_type(apps, "wagtailcore", "page")
    Page.objects.filter(depth=2, slug="home", content_type=welcome_type).delete()
    news = NewsIndexPage.objects.filter(depth=2).first()
    if news is None:
        last = Page.objects.filter(depth=2).order_by("-path").values_list("path", flat=True)
        last_path = last.first()
        number = int(last_path[4:], 36) + 1 if last_path else 1
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        step = ""
        while number:
            number, rest = divmod(number, 36)
            step = digits[rest] + step
        now = timezone.now()
        news = NewsIndexPage.objects.create(
            title="News",
            draft_title="News",
            slug="news",
            content_type=content_type(apps, "newsroom", "newsindexpage"),
            path=root.path + step.rjust(4, "0"),
            depth=2,
            numchild=0,
            url_path="/news/",
            live=True,
            has_unpublished_changes=False,
            first_published_at=now,
            last_published_at=now,
            locale=Locale.objects.order_by("pk").first(),
            translation_key=uuid.uuid4(),
        )
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", port=80, root_page_id=news.pk, is_default_site=True)
    else:
        site.root_page_id = news.pk
        site.save(update_fields=["root_page"])

    # Editors (and admins) write, publish and illustrate; everything else stays the admins'.
    access = permission(apps, "wagtailadmin", "admin", "access_admin")
    collection = Collection.objects.get(depth=1)
    for name in (EDITOR, ADMIN):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(access)
        for codename in PAGE_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(
                group=group, page=news, permission=permission(apps, "wagtailcore", "page", codename)
            )
        for codename in IMAGE_PERMISSIONS:
            GroupCollectionPermission.objects.get_or_create(
                group=group,
                collection=collection,
                permission=permission(apps, "wagtailimages", "image", codename),
            )
        for model in SNIPPETS:
            for verb in ("add", "change", "delete"):
                group.permissions.add(permission(apps, "newsroom", model, f"{verb}_{model}"))

    # Wagtail's own starter groups and workflow: tuidang's roles replace them, and its
    # "Moderators approval" workflow on the root page would otherwise apply to every article.
    Group.objects.filter(name__in=["Moderators", "Editors"]).delete()
    apps.get_model("wagtailcore", "WorkflowPage").objects.filter(page=root).delete()
    apps.get_model("wagtailcore", "Workflow").objects.filter(name="Moderators approval").delete()
    apps.get_model("wagtailcore", "Task").objects.filter(name="Moderators approval").delete()

    # The two-person workflow, ready to be assigned to the news index.
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    TwoPersonApprovalTask = apps.get_model("newsroom", "TwoPersonApprovalTask")
    workflow, created = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    if created:
        task = TwoPersonApprovalTask.objects.create(
            name="A second editor approves",
            active=True,
            content_type=content_type(apps, "newsroom", "twopersonapprovaltask"),
        )
        task.groups.add(Group.objects.get(name=EDITOR), Group.objects.get(name=ADMIN))
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)


def remove_newsroom(apps, schema_editor):
    apps.get_model("wagtailcore", "Workflow").objects.filter(name=WORKFLOW_NAME).delete()
    apps.get_model("auth", "Group").objects.filter(name=EDITOR).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0001_initial"),
        ("accounts", "0002_add_role_groups"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(add_newsroom, remove_newsroom)]
