"""The call log moves from the declarations app to this one, data and all.

Only Django's idea of the model changes (``SeparateDatabaseAndState``): the table keeps its
name (``declarations_call``, set as ``db_table``) and every row stays where it is.
``declarations.0009`` then forgets the model on its side.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("declarations", "0008_checkpoint_times_truncated_to_batch"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name="Call",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("taken_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("outcome", models.CharField(choices=[("declaration", "Declaration taken"), ("question", "Question answered"), ("hang_up", "Caller hung up"), ("harassment", "Harassment"), ("threat", "Threat")], max_length=12)),
                ("notes", models.TextField(blank=True)),
                ("sealed_caller_number", models.BinaryField(blank=True, null=True)),
                ("submission", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to="declarations.submission")),
                ("taken_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={"db_table": "declarations_call", "ordering": ["-taken_at"]},
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
