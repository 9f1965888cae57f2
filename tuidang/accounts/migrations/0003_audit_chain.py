from django.db import migrations, models

from tuidang.accounts.models import GENESIS_HASH, canonical_event, chain_hash


def chain_existing_events(apps, schema_editor):
    """Number the events recorded before the chain existed in the order they happened and
    link each to the one before, so `tuidang audit verify` covers them from now on."""
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    AuditChainHead = apps.get_model("accounts", "AuditChainHead")
    seq, prev_hash = 0, GENESIS_HASH
    for event in AuditEvent.objects.order_by("at", "id").iterator(chunk_size=2000):
        seq += 1
        canonical = canonical_event(
            seq=seq,
            at=event.at,
            actor_id=event.actor_id,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            detail=event.detail,
        )
        event.seq, event.prev_hash = seq, prev_hash
        event.hash = prev_hash = chain_hash(prev_hash, canonical)
        event.save(update_fields=["seq", "prev_hash", "hash"])
    AuditChainHead.objects.update_or_create(pk=1, defaults={"seq": seq, "hash": prev_hash})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_add_role_groups")]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.BigIntegerField(default=0)),
                ("hash", models.CharField(default=GENESIS_HASH, max_length=64)),
            ],
        ),
        migrations.AlterModelOptions(name="auditevent", options={"ordering": ["-seq"]}),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(null=True, unique=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
    ]
