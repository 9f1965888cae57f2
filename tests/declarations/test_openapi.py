"""``docs/api.md`` (for people) and ``/api/v1/openapi.json`` (made from the code) agree.

Every endpoint of the generated description is in the guide and every endpoint the guide
names is in the description; every field the guide's tables name for the partner intake, its
answer, the tally and the statements is a property of the schema, and every property is in the
guide; the error statuses of the intake are the same. The intake's schema is the type the server
reads bodies with, so a body the guide shows is one the server takes.
"""

import json
import re
from pathlib import Path

import msgspec
from django.test import SimpleTestCase

from tuidang.declarations import openapi, schema

GUIDE = Path(__file__).parents[2] / "docs" / "api.md"


def section(title: str) -> str:
    """The guide's text from the heading containing ``title`` to the next heading of any level
    at or above it."""
    text = GUIDE.read_text()
    start = text.index(title)
    level = text.rfind("\n", 0, start)
    hashes = re.match(r"#+", text[level + 1 :]).group()
    end = re.search(rf"\n#{{1,{len(hashes)}}} ", text[start:])
    return text[start : start + end.start()] if end else text[start:]


def table_fields(text: str) -> set[str]:
    """The `names` in the first column of the tables in ``text`` (``a``, ``b`` rows split)."""
    fields = set()
    for line in text.splitlines():
        match = re.match(r"\| (`[^|]+`) \|", line)
        if match:
            fields |= set(re.findall(r"`([^`]+)`", match.group(1)))
    return fields


class GuideAgreesWithOpenApiTestCase(SimpleTestCase):
    def setUp(self):
        self.document = openapi.document()
        self.schemas = self.document["components"]["schemas"]

    def properties(self, name: str) -> set[str]:
        return set(self.schemas[name]["properties"])

    def test_the_same_endpoints(self):
        guide = GUIDE.read_text()
        named = set(re.findall(r"`(?:GET|POST) /api/v1(/[^` ?]*)", guide))
        self.assertLessEqual(named, set(self.document["paths"]))
        for path in self.document["paths"]:
            self.assertIn(f"/api/v1{path}", guide, path)

    def test_the_intake_fields(self):
        fields = table_fields(section("## Partner intake"))
        people = {f.removeprefix("people[i].") for f in fields if f.startswith("people[i].")}
        self.assertEqual(people, self.properties("PersonIn"))
        body = {f for f in fields if not f.startswith("people[i].") and not f.isdigit()}
        self.assertEqual(body, self.properties("DeclarationRequest"))
        self.assertEqual(self.schemas["DeclarationRequest"]["required"], ["people"])
        self.assertIn("`people` | 1 to 10 people", section("## Partner intake"))
        self.assertEqual(self.schemas["DeclarationRequest"]["properties"]["people"]["maxItems"], 10)
        self.assertIn("at most 60 characters", section("## Partner intake"))
        self.assertEqual(self.schemas["PersonIn"]["properties"]["name"]["maxLength"], 60)

    def test_the_intake_answer_and_errors(self):
        text = section("## Partner intake")
        answer = json.loads(re.search(r"```json\n(\{.*?\})\n```", text, re.S).group(1))
        self.assertEqual(set(answer), self.properties("DeclarationCreated"))
        statuses = set(re.findall(r"^\| `(\d{3})` \|", text, re.M))
        responses = set(self.document["paths"]["/declarations"]["post"]["responses"])
        self.assertEqual(responses - {"201"}, statuses - {"405"})
        self.assertIn("201 Created", text)

    def test_the_guide_examples_fit_the_schema(self):
        """The guide's request example reads into the very type the server reads bodies with."""
        text = section("## Partner intake")
        command = re.search(r"-d '(\{.*?\})'", text, re.S).group(1)
        body = msgspec.json.decode(command.encode(), type=schema.DeclarationRequest)
        self.assertEqual(len(body.people), 2)
        self.assertIsNotNone(schema.decode(command.encode()))
        example = self.schemas["DeclarationRequest"]["example"]
        self.assertIsNotNone(schema.decode(json.dumps(example, ensure_ascii=False).encode()))

    def test_the_tally_fields(self):
        self.assertEqual(table_fields(section("### `GET /api/v1/tally`")), self.properties("Tally"))

    def test_the_statement_fields(self):
        text = section("### `GET /api/v1/statements?")
        documented = table_fields(text) - {"lang"}
        self.assertEqual(
            documented,
            (self.properties("Statement") | self.properties("StatementPage")) - {"results"},
        )
