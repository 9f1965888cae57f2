"""The helper role: a Django group like the others (see tuidang.accounts.models.HELPER)."""

from django.db import migrations


def add_helper_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="helper")


def remove_helper_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="helper").delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_audit_seq_required")]
    operations = [migrations.RunPython(add_helper_group, remove_helper_group)]
