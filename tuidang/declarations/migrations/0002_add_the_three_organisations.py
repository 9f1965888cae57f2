from django.db import migrations

ORGANISATIONS = [
    ("party", "中国共产党", "中國共產黨", "Chinese Communist Party", 1),
    ("league", "共青团", "共青團", "Communist Youth League", 2),
    ("pioneers", "少先队", "少先隊", "Young Pioneers", 3),
]


def add_organisations(apps, schema_editor):
    Organisation = apps.get_model("declarations", "Organisation")
    for slug, hans, hant, en, position in ORGANISATIONS:
        Organisation.objects.update_or_create(
            slug=slug,
            defaults={"name_zh_hans": hans, "name_zh_hant": hant, "name_en": en, "position": position},
        )


def remove_organisations(apps, schema_editor):
    apps.get_model("declarations", "Organisation").objects.filter(
        slug__in=[o[0] for o in ORGANISATIONS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("declarations", "0001_initial")]
    operations = [migrations.RunPython(add_organisations, remove_organisations)]
