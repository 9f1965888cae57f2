"""Checkpoints are dated to their batch, never to the moment they were signed.

``created_at`` dated every checkpoint to the microsecond, and ``/api/v1/checkpoints`` published
it: with the sequencer signing within half a second of a declaration's arrival, that tied each
declaration to its connection. The field becomes ``batch_time`` and every existing time is cut
down to the batch boundary at or before it (``TUIDANG_LOG_INTERVAL``). The finer times are not
kept anywhere: a backup taken after this migration no longer holds them.
"""

from datetime import UTC, datetime

from django.conf import settings
from django.db import migrations, models


def truncate_to_batches(apps, schema_editor):
    Checkpoint = apps.get_model("declarations", "Checkpoint")
    interval = max(1, int(settings.LOG_INTERVAL))
    changed = []
    for checkpoint in Checkpoint.objects.only("pk", "batch_time").iterator():
        seconds = int(checkpoint.batch_time.timestamp())
        checkpoint.batch_time = datetime.fromtimestamp(seconds - seconds % interval, tz=UTC)
        changed.append(checkpoint)
    Checkpoint.objects.bulk_update(changed, ["batch_time"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("declarations", "0007_rejection_reason_expired")]

    operations = [
        migrations.RenameField("checkpoint", "created_at", "batch_time"),
        # The sequencer always names the batch; a default of "now" would be the old leak.
        migrations.AlterField("checkpoint", "batch_time", models.DateTimeField()),
        migrations.RunPython(truncate_to_batches, migrations.RunPython.noop),
    ]
