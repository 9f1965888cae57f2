"""Comment settings in the Wagtail admin: labels, and the editor and admin roles may add,
change and delete them (docs/newsroom-mail.md)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ROLES = ["editor", "admin"]
VERBS = ["add", "change", "delete", "view"]


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(
        app_label="newsroom_comments", model="pagecomments"
    )
    permissions = [
        Permission.objects.get_or_create(
            content_type=content_type,
            codename=f"{verb}_pagecomments",
            defaults={"name": f"Can {verb} comment settings"},
        )[0]
        for verb in VERBS
    ]
    for name in ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLES):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="newsroom_comments")
        )


class Migration(migrations.Migration):

    dependencies = [
        ('newsroom_comments', '0001_initial'),
        ('accounts', '0002_add_role_groups'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.WAGTAIL_PAGE_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='pagecomments',
            options={'verbose_name': 'comment settings', 'verbose_name_plural': 'comment settings'},
        ),
        migrations.AlterField(
            model_name='pagecomments',
            name='enabled',
            field=models.BooleanField(default=True, help_text="Untick to close this page's comments now, whatever its age.", verbose_name='comments open'),
        ),
        migrations.AlterField(
            model_name='pagecomments',
            name='open_days',
            field=models.PositiveIntegerField(blank=True, help_text="Days after first publication that comments stay open. Empty: the site's setting.", null=True, verbose_name='days open'),
        ),
        migrations.AlterField(
            model_name='pagecomments',
            name='page',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='comment_settings', to=settings.WAGTAIL_PAGE_MODEL, verbose_name='Page'),
        ),
        migrations.RunPython(grant, revoke),
    ]
