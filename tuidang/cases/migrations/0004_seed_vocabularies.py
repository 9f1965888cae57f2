from django.db import migrations


def seed(apps, schema_editor):
    from tuidang.cases.vocabulary_seed import seed as seed_terms

    seed_terms(apps.get_model("cases", "Term"), apps.get_model("cases", "RedactionProfile"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_documentation")]
    # Reversing keeps the terms: acts and consents point at them.
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
