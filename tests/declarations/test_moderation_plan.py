"""The moderation policy's duplicate and near-identical-text query, planned at scale.

Every declaration runs ``moderation.duplicate_sql`` before it is stored. It must find its
candidates through the person table's indexes (``name_key``, ``statement_fingerprint``) and
reach each candidate's submission by its primary key, whatever the number of people stored and
of fingerprints asked about: a plan that walks the recent submissions instead grows with the
table (2 ms a request at 10,000 people when two fingerprints made SQLite choose it). Checked with
EXPLAIN on a million people, on SQLite (with and without ``ANALYZE`` statistics) and on
PostgreSQL. The rows are made by SQL (a recursive CTE, ``generate_series``) in a few seconds.
"""

import json
import shutil
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.db.utils import ConnectionHandler
from django.test import TestCase

from tests.test_scaling import POSTGRES_URL, admin
from tuidang.declarations import moderation
from tuidang.declarations.models import Organisation, Person, Submission

PEOPLE = 1_000_000
PER_SUBMISSION = 5
FINGERPRINT = "%064x"


def fingerprint(n: int) -> str:
    return FINGERPRINT % n


def asked(people: int, fingerprints: int) -> list[tuple]:
    """``people`` wanted people (name key, region, organisation ids, fingerprint), the first
    ``fingerprints`` of them with a statement fingerprint (some seen before, one not)."""
    return [
        (
            f"n{7 * i + 11}",
            "CN-GD",
            [1, 2][: 1 + i % 2],
            fingerprint(3 * i + 1) if i < fingerprints else "",
        )
        for i in range(people)
    ]


SHAPES = [(1, 0), (1, 1), (2, 2), (3, 3), (5, 5), (10, 10), (10, 0)]
# The intake queue's batch reads (moderation.seen_recently_sql): a hundred names, a hundred
# fingerprints.
BATCHES = [
    ([(f"n{7 * i + 11}", "CN-GD") for i in range(100)], []),
    ([], [fingerprint(3 * i + 1) for i in range(100)]),
]


class SqlitePlanTestCase(TestCase):
    """On SQLite, in a database file of its own whatever database the suite runs on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.directory = tempfile.mkdtemp(prefix="tuidang-plan-")
        cls.handler = ConnectionHandler(
            {
                "default": {
                    "ENGINE": "django.db.backends.sqlite3",
                    "NAME": str(Path(cls.directory) / "plan.sqlite3"),
                }
            }
        )
        cls.db = cls.handler["default"]
        cls.make_tables()

    @classmethod
    def tearDownClass(cls):
        cls.db.close()
        shutil.rmtree(cls.directory, ignore_errors=True)
        super().tearDownClass()

    @classmethod
    def make_tables(cls):
        from django.contrib.auth.models import Group, Permission, User
        from django.contrib.contenttypes.models import ContentType

        submissions = PEOPLE // PER_SUBMISSION
        with cls.db.schema_editor() as editor, cls.db.cursor() as cursor:
            for model in (ContentType, Permission, Group, User, Organisation, Submission, Person):
                editor.create_model(model)
            cursor.execute(
                f"INSERT INTO {Organisation._meta.db_table} (id, slug, name_zh_hans, name_zh_hant, "  # noqa: S608 - constants
                "name_en, position, active) VALUES (1, 'party', '', '', '', 0, 1), "
                "(2, 'league', '', '', '', 1, 1), (3, 'pioneers', '', '', '', 2, 1)"
            )
            cursor.execute(
                f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {submissions}) "  # noqa: S608 - constants
                f"INSERT INTO {Submission._meta.db_table} (id, status, channel, declared_on, "
                "created_at, language, flags, rejection_reason, rejection_note) "
                "SELECT i, CASE WHEN i % 10 = 0 THEN 'pending' ELSE 'accepted' END, 'web', "
                "'2026-11-01', datetime('now', '-' || (i % 60) || ' days'), 'en', '[]', '', '' FROM n"
            )
            cursor.execute(
                f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {PEOPLE}) "  # noqa: S608 - constants
                f"INSERT INTO {Person._meta.db_table} (id, submission_id, position, name, name_key, "
                "statement, statement_fingerprint, region) "
                f"SELECT i, (i - 1) / {PER_SUBMISSION} + 1, (i - 1) % {PER_SUBMISSION}, 'n' || i, "
                "'n' || (i % 300000), '', CASE WHEN i % 3 = 0 THEN '' ELSE "
                f"printf('{FINGERPRINT}', i % 250000) END, 'CN-GD' FROM n"
            )
            cursor.execute(
                f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {PEOPLE}) "  # noqa: S608 - constants
                f"INSERT INTO {Person.organisations.through._meta.db_table} (person_id, organisation_id) "
                "SELECT i, (i % 3) + 1 FROM n"
            )

    def count(self, model) -> int:
        with self.db.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {model._meta.db_table}")  # noqa: S608 - a model's table
            return cursor.fetchone()[0]

    def plan(self, people: list[tuple]) -> list[str]:
        sql, params = moderation.duplicate_sql(people, on=self.db)
        with self.db.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return [row[-1] for row in cursor.fetchall()]

    def assertIndexed(self, people: int, fingerprints: int) -> None:
        plan = self.plan(asked(people, fingerprints))
        text = "\n".join(plan)
        # SCAN is a walk through a whole table (or index); SEARCH a lookup.
        self.assertFalse(
            [step for step in plan if step.startswith("SCAN") and step != "SCAN CONSTANT ROW"], text
        )
        searches = [step for step in plan if step.startswith("SEARCH")]
        self.assertEqual(sum("(name_key=?)" in step for step in searches), people, text)
        self.assertEqual(
            sum("(statement_fingerprint=?)" in step for step in searches), fingerprints, text
        )
        for step in searches:
            if step.startswith("SEARCH s "):
                self.assertIn("INTEGER PRIMARY KEY (rowid=?)", step, text)

    def test_a_million_people_are_stored(self):
        self.assertEqual(self.count(Person), PEOPLE)
        self.assertEqual(self.count(Organisation), 3)

    def test_plans_without_statistics(self):
        for people, fingerprints in SHAPES:
            with self.subTest(people=people, fingerprints=fingerprints):
                self.assertIndexed(people, fingerprints)

    def test_plans_with_statistics(self):
        with self.db.cursor() as cursor:
            cursor.execute("PRAGMA analysis_limit = 1000")
            cursor.execute("ANALYZE")
        for people, fingerprints in SHAPES:
            with self.subTest(people=people, fingerprints=fingerprints):
                self.assertIndexed(people, fingerprints)

    def assertBatchIndexed(self) -> None:
        for names, prints in BATCHES:
            sql, params = moderation.seen_recently_sql(names, prints, on=self.db)
            with self.db.cursor() as cursor:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                plan = [row[-1] for row in cursor.fetchall()]
            text = "\n".join(plan)
            # The VALUES list itself is walked; nothing else is.
            self.assertFalse(
                [
                    s
                    for s in plan
                    if s.startswith("SCAN") and "CONSTANT ROW" not in s and s != "SCAN w"
                ],
                text,
            )
            column = "name_key" if names else "statement_fingerprint"
            self.assertTrue(
                [s for s in plan if s.startswith("SEARCH p ") and f"({column}=?" in s], text
            )

    def test_batch_plans_without_and_with_statistics(self):
        self.assertBatchIndexed()
        with self.db.cursor() as cursor:
            cursor.execute("PRAGMA analysis_limit = 1000")
            cursor.execute("ANALYZE")
        self.assertBatchIndexed()

    def test_the_batch_query_finds_what_is_there(self):
        # Persons 1, 300001, 600001 and 900001: name key n1 and organisation 2 alone; persons
        # 1 and 2 have fingerprints 1 and 2; nobody has fingerprint 999,999 (i % 250,000).
        wanted = {("n1", "CN-GD", (2,)), ("n1", "CN-GD", (2, 3)), ("n1", "CN-SX", (2,))}
        prints = {fingerprint(1), fingerprint(2), fingerprint(999_999)}
        self.assertEqual(
            moderation.seen_recently(wanted, prints, on=self.db),
            ({("n1", "CN-GD", (2,))}, {fingerprint(1), fingerprint(2)}),
        )

    def test_the_query_finds_what_is_there(self):
        # Person 1 (submitted a day ago, accepted): name key n1, organisation 2, fingerprint 1.
        for wanted, found in [
            (("n1", "CN-GD", [2], fingerprint(1)), (1, 1)),
            (("n1", "CN-GD", [2, 3], ""), (0, 0)),
            (("n1", "CN-SX", [2], fingerprint(999_999)), (0, 0)),
        ]:
            sql, params = moderation.duplicate_sql([wanted], on=self.db)
            with self.db.cursor() as cursor:
                cursor.execute(sql, params)
                self.assertEqual(tuple(map(int, cursor.fetchone())), found, wanted)


class PostgresPlanTestCase(TestCase):
    """The same on PostgreSQL, in a scratch database of its own, with ANALYZE statistics."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.name = f"tuidang_plan_{uuid.uuid4().hex[:8]}"
        admin(f'CREATE DATABASE "{cls.name}"')
        url = urlsplit(urlunsplit(urlsplit(POSTGRES_URL)._replace(path=f"/{cls.name}")))
        cls.handler = ConnectionHandler(
            {
                "default": {
                    "ENGINE": "django.db.backends.postgresql",
                    "NAME": cls.name,
                    "USER": url.username or "postgres",
                    "PASSWORD": url.password or "",
                    "HOST": url.hostname or "127.0.0.1",
                    "PORT": str(url.port or 5432),
                }
            }
        )
        cls.pg = cls.handler["default"]  # a connection of its own, not the suite's default
        cls.make_tables()

    @classmethod
    def tearDownClass(cls):
        cls.pg.close()
        admin(f'DROP DATABASE IF EXISTS "{cls.name}" WITH (FORCE)')
        super().tearDownClass()

    @classmethod
    def make_tables(cls):
        from django.contrib.auth.models import Group, Permission, User
        from django.contrib.contenttypes.models import ContentType

        submissions = PEOPLE // PER_SUBMISSION
        # The rows go in before the schema editor, on leaving, builds the indexes and foreign
        # keys it deferred: building them once is many times faster than keeping them up.
        with cls.pg.schema_editor() as editor, cls.pg.cursor() as cursor:
            for model in (ContentType, Permission, Group, User, Organisation, Submission, Person):
                editor.create_model(model)
            cursor.execute(
                f"INSERT INTO {Organisation._meta.db_table} (id, slug, name_zh_hans, name_zh_hant, "  # noqa: S608 - constants
                "name_en, position, active) VALUES (1, 'party', '', '', '', 0, true), "
                "(2, 'league', '', '', '', 1, true), (3, 'pioneers', '', '', '', 2, true)"
            )
            cursor.execute(
                f"INSERT INTO {Submission._meta.db_table} (id, status, channel, declared_on, "  # noqa: S608 - constants
                "created_at, language, flags, rejection_reason, rejection_note) "
                "SELECT i, CASE WHEN i % 10 = 0 THEN 'pending' ELSE 'accepted' END, 'web', "
                "'2026-11-01', now() - (i % 60) * interval '1 day', 'en', '[]', '', '' "
                f"FROM generate_series(1, {submissions}) AS i"
            )
            cursor.execute(
                f"INSERT INTO {Person._meta.db_table} (id, submission_id, position, name, name_key, "  # noqa: S608 - constants
                "statement, statement_fingerprint, region) "
                f"SELECT i, (i - 1) / {PER_SUBMISSION} + 1, (i - 1) % {PER_SUBMISSION}, 'n' || i, "
                "'n' || (i % 300000), '', CASE WHEN i % 3 = 0 THEN '' ELSE "
                "lpad(to_hex(i % 250000), 64, '0') END, 'CN-GD' "
                f"FROM generate_series(1, {PEOPLE}) AS i"
            )
            cursor.execute(
                f"INSERT INTO {Person.organisations.through._meta.db_table} (person_id, organisation_id) "  # noqa: S608 - constants
                f"SELECT i, (i % 3) + 1 FROM generate_series(1, {PEOPLE}) AS i"
            )
        with cls.pg.cursor() as cursor:
            cursor.execute("ANALYZE")

    def plan(self, people: list[tuple]) -> dict:
        sql, params = moderation.duplicate_sql(people, on=self.pg)
        with self.pg.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            (document,) = cursor.fetchone()
        return (
            document[0]["Plan"] if isinstance(document, list) else json.loads(document)[0]["Plan"]
        )

    def test_plans(self):
        person, submission = Person._meta.db_table, Submission._meta.db_table
        for people, fingerprints in SHAPES:
            with self.subTest(people=people, fingerprints=fingerprints):
                plan = self.plan(asked(people, fingerprints))
                nodes = list(walk(plan))
                text = json.dumps(plan, indent=1)
                scans = [
                    n
                    for n in nodes
                    if n["Node Type"] == "Seq Scan"
                    and n.get("Relation Name") in (person, submission)
                ]
                self.assertEqual(scans, [], text)
                conditions = [
                    n.get("Index Cond", "")
                    for n in nodes
                    if n.get("Relation Name") == person
                    or n.get("Index Name", "").startswith(person)
                ]
                self.assertEqual(sum("name_key" in c for c in conditions), people, text)
                self.assertEqual(
                    sum("statement_fingerprint" in c for c in conditions), fingerprints, text
                )

    def test_batch_plans(self):
        person, submission = Person._meta.db_table, Submission._meta.db_table
        for names, prints in BATCHES:
            sql, params = moderation.seen_recently_sql(names, prints, on=self.pg)
            with self.pg.cursor() as cursor:
                cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
                (document,) = cursor.fetchone()
            plan = (
                document[0]["Plan"]
                if isinstance(document, list)
                else json.loads(document)[0]["Plan"]
            )
            nodes = list(walk(plan))
            text = json.dumps(plan, indent=1)
            scans = [
                n for n in nodes
                if n["Node Type"] == "Seq Scan" and n.get("Relation Name") in (person, submission)
            ]  # fmt: skip
            self.assertEqual(scans, [], text)
            column = "name_key" if names else "statement_fingerprint"
            self.assertTrue(
                [
                    n
                    for n in nodes
                    if n.get("Relation Name") == person and column in n.get("Index Cond", "")
                ],
                text,
            )


def walk(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from walk(child)
