from django.db import migrations, models


def seal_existing_numbers(apps, schema_editor):
    """Caller numbers recorded before this migration are sealed like contact details."""
    from tuidang.declarations import contacts

    Call = apps.get_model("declarations", "Call")
    for call in Call.objects.exclude(caller_number=""):
        call.sealed_caller_number = contacts.seal(call.caller_number)
        call.save(update_fields=["sealed_caller_number"])


class Migration(migrations.Migration):
    dependencies = [("declarations", "0005_index_people_not_yet_logged")]

    operations = [
        migrations.AddField(
            model_name="call",
            name="sealed_caller_number",
            field=models.BinaryField(blank=True, null=True),
        ),
        # Sealing cannot be undone without the private key, which the server never holds.
        migrations.RunPython(seal_existing_numbers, migrations.RunPython.noop),
        migrations.RemoveField(model_name="call", name="caller_number"),
    ]
