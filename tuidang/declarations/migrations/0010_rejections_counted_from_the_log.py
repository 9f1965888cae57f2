"""Rejections become log entries: their public counts are recounted from the log.

Until now ``reject`` added to the ``rejected:<reason>`` counters at once and nothing of a
rejection went into the log, so those were the only published numbers nobody could check. Now
the sequencer appends one rejection entry (day and reason code only) per rejected person and
counts it in the same transaction. Every person rejected before this migration has no entry
yet (``leaf_index`` is null), so the next batch appends them all; their old counters are
dropped here so that they are not counted twice. Between this migration and that batch the
tally shows no rejections.
"""

from django.db import migrations


def drop_rejection_counters(apps, schema_editor):
    TallyCounter = apps.get_model("declarations", "TallyCounter")
    TallyCounter.objects.filter(key__startswith="rejected:").delete()


def restore_rejection_counters(apps, schema_editor):
    # Back to counting at the moment of rejection: every rejected person not in the log yet.
    Person = apps.get_model("declarations", "Person")
    TallyCounter = apps.get_model("declarations", "TallyCounter")
    TallyCounter.objects.filter(key__startswith="rejected:").delete()
    counts: dict[str, int] = {}
    for reason in Person.objects.filter(submission__status="rejected").values_list(
        "submission__rejection_reason", flat=True
    ):
        counts[f"rejected:{reason}"] = counts.get(f"rejected:{reason}", 0) + 1
    TallyCounter.objects.bulk_create(TallyCounter(key=k, value=v) for k, v in counts.items())


class Migration(migrations.Migration):
    dependencies = [("declarations", "0009_log_and_calls_moved_out")]

    operations = [migrations.RunPython(drop_rejection_counters, restore_rejection_counters)]
