"""The documentation flows over HTTP, as a researcher reaches them, in all three languages."""

import json

from tests.base import login_verified
from tests.cases.base import CasesTestCase, make_case
from tuidang.accounts.models import AuditEvent
from tuidang.cases.models import Act, Dossier, Event, Intervention, Person, RedactionProfile, Term

LANGUAGES = ("zh-hans", "zh-hant", "en")


class DocumentationPagesTests(CasesTestCase):
    def setUp(self):
        super().setUp()
        self.case = make_case(self.rita, "Lily")
        login_verified(self.client, self.rita)

    def test_a_person_event_and_act_entered_through_the_forms(self):
        for language in LANGUAGES:
            base = f"/{language}/cases/{self.case.pk}"
            self.assertEqual(self.client.get(f"{base}/people/new/").status_code, 200)
            response = self.client.post(
                f"{base}/people/new/",
                {"kind": "individual", "pseudonym": f"Rose-{language}", "real_name": "張小明",
                 "birth_date": "1970", "region": "CN-JL", "sex": "m"},
            )  # fmt: skip
            person = Person.objects.get(pseudonym=f"Rose-{language}")
            self.assertRedirects(response, f"{base}/people/{person.pk}/")
            response = self.client.post(
                f"{base}/events/new/",
                {"title": "Taken from work", "description": "Police came at night.",
                 "region": "CN-JL", "date": "2003-05"},
            )  # fmt: skip
            self.assertRedirects(response, f"{base}/")
            event = Event.objects.filter(case=self.case).latest("pk")
            self.assertEqual(
                (event.date.isoformat(), event.date_precision), ("2003-05-01", "month")
            )
            response = self.client.post(
                f"{base}/acts/new/",
                {"event": event.pk, "victim": person.pk, "date": "",
                 "act_type": Term.objects.get(code="arrest").pk,
                 "victim_status": Term.objects.get(code="held").pk},
            )  # fmt: skip
            self.assertRedirects(response, f"{base}/")
            page = self.client.get(f"{base}/")
            self.assertContains(page, f"Rose-{language}")
            self.assertNotContains(page, "張小明")
        self.assertEqual(Act.objects.count(), 3)

    def test_bad_input_gets_a_message_in_the_language_and_keeps_what_was_typed(self):
        messages = {"zh-hans": "请按", "zh-hant": "請按", "en": "Give a date"}
        for language, message in messages.items():
            response = self.client.post(
                f"/{language}/cases/{self.case.pk}/events/new/",
                {"title": "Kept title", "date": "May 2003"},
            )
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, message)
            self.assertContains(response, "Kept title")
        self.assertFalse(Event.objects.exists())

    def test_identities_are_shown_only_with_a_reason_and_each_showing_is_audited(self):
        person = Person.objects.create(case=self.case, pseudonym="Iris", real_name="李四")
        url = f"/en/cases/{self.case.pk}/people/{person.pk}/"
        self.assertNotContains(self.client.get(url), "李四")
        self.assertNotContains(self.client.post(url, {"reason": ""}), "李四")
        self.assertContains(self.client.post(url, {"reason": "preparing a letter"}), "李四")
        event = AuditEvent.objects.get(action="cases.identity_viewed")
        self.assertEqual(event.detail["reason"], "preparing a letter")
        self.assertNotIn("李四", json.dumps(event.detail, ensure_ascii=False))

    def test_search_finds_a_person_by_another_spelling_of_the_name(self):
        Person.objects.create(case=self.case, pseudonym="Iris", real_name="張小明")
        other = make_case(self.rob, "Hidden")
        Person.objects.create(case=other, pseudonym="Moss", real_name="张小明")
        for query in ("张小明", "Zhang Xiaoming", "Lily", "Iris"):
            response = self.client.post("/en/cases/", {"q": query})
            self.assertContains(response, "Lily", msg_prefix=query)
            self.assertNotContains(response, "Hidden")
        self.assertNotContains(self.client.post("/en/cases/", {"q": "王五"}), "Lily")

    def test_duplicates_confirmed_and_undone_through_the_page(self):
        first = Person.objects.create(
            case=self.case, pseudonym="A", real_name="王建国", birth_date="1960"
        )
        second = Person.objects.create(
            case=self.case, pseudonym="B", real_name="Wang Jianguo", birth_date="1960"
        )
        for language in LANGUAGES:
            self.assertContains(self.client.get(f"/{language}/cases/duplicates/"), "B")
        response = self.client.post(
            "/en/cases/duplicates/decide/",
            {"first": first.pk, "second": second.pk, "verdict": "same"},
        )
        self.assertRedirects(response, "/en/cases/duplicates/")
        second.refresh_from_db()
        self.assertEqual(second.merged_into, first)
        merge_id = AuditEvent.objects.get(action="cases.merged").detail["merge"]
        self.client.post(f"/en/cases/merges/{merge_id}/undo/")
        second.refresh_from_db()
        self.assertIsNone(second.merged_into)

    def test_a_named_dossier_goes_out_only_after_a_second_person_approves(self):
        person = Person.objects.create(case=self.case, pseudonym="A", real_name="王建国")
        event = Event.objects.create(case=self.case, title="Arrest", region="CN-JL")
        Act.objects.create(event=event, victim=person, act_type=Term.objects.get(code="arrest"),
                           victim_status=Term.objects.get(code="held"))  # fmt: skip
        government = Term.objects.get(vocabulary="recipient_kind", code="government")
        self.client.post(
            f"/en/cases/{self.case.pk}/people/{person.pk}/consent/",
            {"recipient_kind": government.pk, "given": "yes"},
        )
        profile = RedactionProfile.objects.get(recipient_kind=government)
        for language in LANGUAGES:
            self.assertEqual(self.client.get(f"/{language}/cases/dossiers/new/").status_code, 200)
        response = self.client.post(
            "/en/cases/dossiers/new/",
            {"title": "For a minister", "recipient": "A ministry", "profile": profile.pk,
             "language": "zh-hant"},
        )  # fmt: skip
        made = Dossier.objects.get()
        self.assertRedirects(response, f"/en/cases/dossiers/{made.pk}/")
        self.assertTrue(made.names_identities)
        download = f"/en/cases/dossiers/{made.pk}/files/dossier.json"
        self.assertEqual(self.client.post(download, {"reason": "to send"}).status_code, 302)
        self.client.post(f"/en/cases/dossiers/{made.pk}/approve/")  # the builder cannot
        made.refresh_from_db()
        self.assertIsNone(made.approved_at)
        # The second person needs access to the case to see the dossier at all.
        self.case.backup = self.rob
        self.case.save()
        login_verified(self.client, self.rob)
        self.client.post(f"/en/cases/dossiers/{made.pk}/approve/")
        made.refresh_from_db()
        self.assertEqual(made.approved_by, self.rob)
        login_verified(self.client, self.rita)
        response = self.client.post(download, {"reason": "to send"})
        self.assertEqual(json.loads(response.content)["summary"]["named_victims"], 1)
        self.client.post(f"/en/cases/dossiers/{made.pk}/hand-over/")
        handed = Intervention.objects.get(case=self.case, handover=made)
        self.assertIn(made.files["dossier.pdf"], handed.description)
        self.assertTrue(AuditEvent.objects.filter(action="cases.dossier_downloaded").exists())

    def test_counts_page_in_three_languages(self):
        for language in LANGUAGES:
            response = self.client.get(f"/{language}/cases/counts/")
            self.assertEqual(response.status_code, 200)
