from django.db import migrations

# The sequencer asks for "accepted people not yet in the log, oldest first" every half second.
# Without this partial index that query walks every person already logged (the primary key
# in order) before it finds the first one that is not, so each batch got slower as the log
# grew. The index holds only the people waiting, a handful at any time. SQLite and PostgreSQL
# share the syntax; the model does not declare it because Django's state needs nothing of it.
SQL = "CREATE INDEX declarations_person_unlogged ON declarations_person (id) WHERE leaf_index IS NULL"


class Migration(migrations.Migration):
    dependencies = [("declarations", "0004_witness_cosignatures")]

    operations = [
        migrations.RunSQL(SQL, "DROP INDEX declarations_person_unlogged"),
    ]
