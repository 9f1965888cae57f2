"""Pages and static files travel compressed, within budget; pages with secrets do not.

See tuidang/compression.py (which pages are compressed and why) and docs/deploy.md.
"""

import gzip
import io
import json
import re
from collections import Counter

import pytest
from django.core.management import call_command

from tests.base import BaseTestCase, login_verified, run_sequencer
from tests.declarations.test_declare import form_data, person, receipt_code_in
from tests.test_serve import Server
from tuidang.declarations.models import Person, Status

# Every public page, in every language, on the wire (issue 8).
BUDGET_BYTES = 30_000
LANGUAGES = ("zh-hans", "zh-hant", "en")
ACCEPT = {"HTTP_ACCEPT_ENCODING": "gzip, br"}


def demo(*args: str) -> None:
    call_command("demo", *args, stdout=io.StringIO())


class PublicPagesWithinBudget(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Two years of declarations for the tally's charts, then a few crowded days so that a
        # day of statements fills a whole page.
        demo("--declarations", "300", "--days", "730", "--seed", "8")
        demo("--declarations", "250", "--days", "3", "--seed", "9", "--force")
        run_sequencer()
        days = Counter(
            Person.objects.filter(submission__status=Status.ACCEPTED)
            .exclude(statement="")
            .values_list("submission__declared_on", flat=True)
        )
        cls.busiest_day, cls.busiest_count = days.most_common(1)[0]

    def fetch(self, path: str) -> tuple[bytes, str]:
        """The body as sent, and as read."""
        response = self.client.get(path, **ACCEPT)
        assert response.status_code == 200, path
        assert response["Content-Encoding"] == "gzip", path
        assert "Accept-Encoding" in response["Vary"], path
        return response.content, gzip.decompress(response.content).decode()

    def test_every_public_page_is_compressed_and_within_budget_in_every_language(self):
        assert self.busiest_count >= 50  # a full page of statements
        pages = {
            "": "",
            "declare/": 'name="csrfmiddlewaretoken"',
            "receipt/": 'name="code"',
            f"statements/{self.busiest_day.isoformat()}/": "<blockquote",
            "declare/thanks/": 'href="/',
            "staff/login/": 'name="code"',
            "tally/": "<svg",
            "log/": "/log/checkpoint",
            "log/checkpoints/": "",
        }
        sizes = {}
        for language in LANGUAGES:
            for page, says in pages.items():
                path = f"/{language}/{page}"
                wire, text = self.fetch(path)
                assert f'<html lang="{language}">' in text, path
                assert says in text, path
                sizes[path] = len(wire)
        over = {path: size for path, size in sizes.items() if size > BUDGET_BYTES}
        assert not over, over
        # Compression does what it is for: the tally is several times smaller on the wire.
        tally = self.client.get("/en/tally/")
        assert "Content-Encoding" not in tally
        assert len(tally.content) > 3 * sizes["/en/tally/"]

    def test_the_open_data_api_is_compressed_and_within_budget(self):
        for path in ("/api/v1/tally", "/api/v1/statements", "/api/v1/openapi.json"):
            wire, text = self.fetch(path)
            assert len(wire) <= BUDGET_BYTES, (path, len(wire))
            assert json.loads(text), path


class PagesWithSecretsAreNotCompressed(BaseTestCase):
    def test_the_thanks_page_and_the_receipt_answer_are_sent_uncompressed(self):
        thanks = self.client.post(
            "/en/declare/", form_data(person("李明", ["party"]), want_receipt=True), **ACCEPT
        )
        assert thanks.status_code == 200
        assert "Content-Encoding" not in thanks
        code = receipt_code_in(thanks.content.decode())
        assert code

        answer = self.client.post("/en/receipt/", {"code": code}, **ACCEPT)
        assert answer.status_code == 200
        assert "Content-Encoding" not in answer
        assert code in answer.content.decode()

        # The same receipt page, asked for with GET, travels compressed.
        assert self.client.get("/en/receipt/", **ACCEPT)["Content-Encoding"] == "gzip"

    def test_pages_for_a_signed_in_user_are_sent_uncompressed(self):
        login_verified(self.client, self.alice)
        for path in ("/en/staff/", "/en/staff/queue/", "/en/tally/"):
            response = self.client.get(path, **ACCEPT)
            assert response.status_code == 200, path
            assert "Content-Encoding" not in response, path
            assert '<a href="/en/staff/">Staff</a>' in response.content.decode(), path
        self.client.logout()
        assert self.client.get("/en/tally/", **ACCEPT)["Content-Encoding"] == "gzip"


class TheLogIsLinked(BaseTestCase):
    def test_every_public_page_links_to_the_log_in_its_language(self):
        for language, label in (("zh-hans", "日志"), ("zh-hant", "日誌"), ("en", "Log")):
            for page in ("", "declare/", "tally/"):
                text = self.client.get(f"/{language}/{page}").content.decode()
                assert f'<a href="/{language}/log/">{label}</a>' in text, (language, page)
            log = self.client.get(f"/{language}/log/").content.decode()
            assert f'<a href="/{language}/log/">{label}</a>' in log


@pytest.mark.slow
def test_serve_sends_the_collected_static_files_precompressed(tmp_path):
    with Server(tmp_path / "data", workers=1) as server:
        for encoding in ("gzip", "br"):
            conn = server.connection()
            try:
                conn.request(
                    "GET", "/static/tuidang/site.css", headers={"Accept-Encoding": encoding}
                )
                response = conn.getresponse()
                body = response.read()
            finally:
                conn.close()
            assert response.status == 200
            assert response.getheader("Content-Encoding") == encoding
            assert "Accept-Encoding" in response.getheader("Vary", "")
            plain = (tmp_path / "data" / "static" / "tuidang" / "site.css").read_bytes()
            assert len(body) < len(plain) / 2
            if encoding == "gzip":
                assert gzip.decompress(body) == plain

        conn = server.connection()
        try:
            conn.request("GET", "/en/tally/", headers={"Accept-Encoding": "gzip"})
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        assert response.status == 200
        assert response.getheader("Content-Encoding") == "gzip"
        assert '<html lang="en">' in gzip.decompress(body).decode()
        assert server.stop() == 0


class AnswersSentUncompressedWithinBudget(BaseTestCase):
    """The answers to POSTs go out uncompressed (BREACH, above): they must fit the budget as
    they are, for a family declaring together and for a page that does not exist."""

    def test_thanks_receipt_and_the_form_shown_again_fit_uncompressed(self):
        statement = "我们一家人今天郑重声明退出中国共产党及其附属组织。" * 80  # the longest allowed
        statement = statement[:1990]
        for n, language in enumerate(LANGUAGES):
            family = [
                person(f"山间明月{n}{i}", ["party", "league"], f"{n}{statement}") for i in range(3)
            ]
            thanks = self.client.post(
                f"/{language}/declare/", form_data(*family, want_receipt=True), **ACCEPT
            )
            assert thanks.status_code == 200, re.findall(
                r"errorlist[^>]*><li>([^<]*)", thanks.content.decode()
            )
            assert len(thanks.content) <= BUDGET_BYTES, len(thanks.content)
            run_sequencer()
            answer = self.client.post(
                f"/{language}/receipt/",
                {"code": receipt_code_in(thanks.content.decode())},
                **ACCEPT,
            )
            assert "<details>" in answer.content.decode()  # with each person's proof
            assert len(answer.content) <= BUDGET_BYTES, (language, len(answer.content))
            assert not thanks.has_header("Content-Encoding")  # the receipt code: never
            assert not answer.has_header("Content-Encoding")
            missing = self.client.get(f"/{language}/no-such-page/", **ACCEPT)
            assert missing.status_code == 404
            assert len(missing.content) <= BUDGET_BYTES


class FormShownAgainCompressed(BaseTestCase):
    """The declaration form shown again after a POST (errors, or "add a person" without
    JavaScript) carries the regions once per person: 109 KB for a family of ten. It holds no
    secret an attacker could reach, so it is compressed like a GET (tuidang.compression)."""

    def test_a_family_of_ten_shown_again_fits_the_budget_in_every_language(self):
        family = [person("", ["party"], "", "CN-HB") for _ in range(10)]  # every alias missing
        for language in LANGUAGES:
            again = self.client.post(f"/{language}/declare/", form_data(*family), **ACCEPT)
            assert again.status_code == 400
            assert again["Content-Encoding"] == "gzip"
            assert len(again.content) <= BUDGET_BYTES, (language, len(again.content))
            page = gzip.decompress(again.content).decode()
            assert page.count('name="person-9-name"') == 1  # every person kept, with errors
            assert len(page.encode()) > BUDGET_BYTES  # the budget holds only compressed
            added = self.client.post(
                f"/{language}/declare/", {**form_data(*family[:9]), "add": "1"}, **ACCEPT
            )
            assert added["Content-Encoding"] == "gzip"
            assert len(added.content) <= BUDGET_BYTES

    def test_a_signed_in_volunteer_gets_nothing_compressed(self):
        login_verified(self.client, self.val)
        again = self.client.post(
            "/en/declare/", form_data(person("", ["party"], "", "CN-HB")), **ACCEPT
        )
        assert again.status_code == 400
        assert not again.has_header("Content-Encoding")
