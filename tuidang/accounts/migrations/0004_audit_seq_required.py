from django.db import migrations, models


class Migration(migrations.Migration):
    # Apart from 0003: PostgreSQL refuses to alter a table its own transaction has just updated.
    dependencies = [("accounts", "0003_audit_chain")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(unique=True),
        ),
    ]
