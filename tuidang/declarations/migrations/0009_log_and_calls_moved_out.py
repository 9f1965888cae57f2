"""The log's models now belong to ``transparency`` and the call log to ``hotline``.

State only: their tables and rows stay as they are (those apps' 0001 migrations took the
models over under the same table names); this app just stops describing them.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("declarations", "0008_checkpoint_times_truncated_to_batch"),
        ("transparency", "0001_initial"),
        ("hotline", "0001_initial"),
    ]

    state_operations = [
        migrations.DeleteModel("WitnessCosignature"),
        migrations.DeleteModel("Checkpoint"),
        migrations.DeleteModel("LogTile"),
        migrations.DeleteModel("LogState"),
        migrations.DeleteModel("Call"),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
