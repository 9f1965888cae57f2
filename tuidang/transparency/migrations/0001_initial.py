"""The log's tables move from the declarations app to this one, data and all.

Only Django's idea of the models changes (``SeparateDatabaseAndState``): the tables keep their
names (``declarations_logstate`` …, set as ``db_table``) and every row stays where it is.
``declarations.0009`` then forgets the models on its side.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import tuidang.ledger.hashes


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("declarations", "0008_checkpoint_times_truncated_to_batch"),
    ]

    state_operations = [
        migrations.CreateModel(
            name="Checkpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("size", models.BigIntegerField(unique=True)),
                ("root", models.BinaryField(max_length=32)),
                ("note", models.TextField()),
                ("batch_time", models.DateTimeField()),
            ],
            options={"db_table": "declarations_checkpoint", "ordering": ["-size"]},
        ),
        migrations.CreateModel(
            name="LogState",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("size", models.BigIntegerField(default=0)),
                ("root", models.BinaryField(default=tuidang.ledger.hashes.EMPTY_ROOT, max_length=32)),
            ],
            options={"db_table": "declarations_logstate"},
        ),
        migrations.CreateModel(
            name="LogTile",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("level", models.SmallIntegerField()),
                ("index", models.BigIntegerField()),
                ("width", models.PositiveSmallIntegerField()),
                ("data", models.BinaryField()),
            ],
            options={
                "db_table": "declarations_logtile",
                "constraints": [models.UniqueConstraint(fields=("level", "index"), name="logtile_level_index")],
            },
        ),
        migrations.CreateModel(
            name="WitnessCosignature",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("witness", models.CharField(max_length=300)),
                ("line", models.TextField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("checkpoint", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="transparency.checkpoint")),
            ],
            options={
                "db_table": "declarations_witnesscosignature",
                "constraints": [models.UniqueConstraint(fields=("witness", "checkpoint"), name="cosignature_once")],
            },
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
