"""``POST /api/v1/declarations`` through ``tuidang serve``'s own application (``tuidang.asgi``)
runs a shorter middleware chain (``settings.API_INTAKE_MIDDLEWARE``). Each request here is
answered by that chain and by the whole one, and the answers must be the same: status, body,
headers, what is stored, and nothing stored about the client."""

import io
import json
import sys
from datetime import date

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings

from tests.base import BaseTestCase
from tuidang.asgi import LeanHandler, WsgiBridge, django_wsgi_application
from tuidang.declarations.models import Arrival, Submission

PATH = "/api/v1/declarations"
# Headers that differ between any two answers, whatever the chain.
VARYING = {"date", "content-length"}


def environ(body: bytes, query: str = "", **headers: str) -> dict:
    environ = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": PATH,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "203.0.113.9",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "HTTP_USER_AGENT": "Lean/1.0 (tracking-me)",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    environ.update(headers)
    return environ


def declaration(name: str, **person) -> bytes:
    return json.dumps(
        {
            "people": [{"name": name, "organisations": ["party"], **person}],
            "date": date.today().isoformat(),
        }
    ).encode()


class LeanChainTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        # As Django's test client does: the handler would close the test's own connection
        # (and its transaction) at the end of each request.
        for signal in (request_started, request_finished):
            signal.disconnect(close_old_connections)
            self.addCleanup(signal.connect, close_old_connections)
        self.bridge = WsgiBridge(django_wsgi_application, routes={PATH: LeanHandler()})
        self.whole = WsgiBridge(django_wsgi_application)

    def both(self, body: bytes, query: str = "", **headers: str):
        lean = self.bridge.run(environ(body, query, **headers))
        whole = self.whole.run(environ(body, query, **headers))
        return lean, whole

    def assertSame(self, lean, whole, status: int) -> str:
        self.assertEqual(lean[0], status, lean[2])
        self.assertEqual(whole[0], status, whole[2])
        self.assertEqual(b"".join(lean[2]), b"".join(whole[2]))
        lean_headers = {k: v for k, v in lean[1] if k.decode() not in VARYING}
        whole_headers = {k: v for k, v in whole[1] if k.decode() not in VARYING}
        self.assertEqual(lean_headers, whole_headers)
        self.assertNotIn(b"set-cookie", lean_headers)
        return b"".join(lean[2]).decode()

    def test_the_chain_is_the_whole_one_less_what_an_anonymous_call_never_uses(self):
        chain = settings.API_INTAKE_MIDDLEWARE
        for kept in (
            "tuidang.privacy.PrivacyMiddleware",
            "tuidang.hosts.RequireHostMiddleware",
            "tuidang.bodylimit.BodyLimitMiddleware",
            "django.middleware.security.SecurityMiddleware",
            "django.middleware.locale.LocaleMiddleware",
        ):
            self.assertIn(kept, chain)
        self.assertEqual(chain, [name for name in settings.MIDDLEWARE if name in chain])
        self.assertNotIn("django.contrib.sessions.middleware.SessionMiddleware", chain)
        self.assertIs(self.bridge.routes[PATH].__class__, LeanHandler)

    @override_settings(INTAKE_QUEUE=True)
    def test_received_the_same_and_nothing_about_the_client_stored(self):
        lean, whole = self.both(declaration("Lean One", statement="我退出中共及其一切组织。"))
        # Two bodies with the same alias: the second is one more arrival, answered the same.
        answer = json.loads(self.assertSame(lean, whole, 201))
        self.assertEqual(answer["status"], "received")
        self.assertEqual(Arrival.objects.count(), 2)
        for arrival in Arrival.objects.all():
            stored = json.dumps(arrival.people) + repr(vars(arrival))
            self.assertNotIn("tracking-me", stored)
            self.assertNotIn("203.0.113", stored)

    def test_without_the_queue_the_request_moderates_the_same(self):
        lean, whole = self.both(declaration("Lean Two"))
        # The second of two identical bodies is a likely duplicate: held, whichever chain.
        self.assertEqual(lean[0], 201)
        self.assertEqual(json.loads(b"".join(lean[2]))["status"], "accepted")
        self.assertEqual(json.loads(b"".join(whole[2]))["status"], "pending")
        self.assertEqual(Submission.objects.count(), 2)

    def test_errors_per_field_in_the_language_asked_for(self):
        for query, headers, words in [
            ("", {"HTTP_ACCEPT_LANGUAGE": "zh-TW,zh;q=0.9"}, "請填寫姓名"),
            ("lang=zh-hans", {}, "请填写姓名"),
            ("lang=en", {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}, "name"),
        ]:
            with self.subTest(query=query, headers=headers):
                lean, whole = self.both(declaration(""), query, **headers)
                answer = json.loads(self.assertSame(lean, whole, 400))
                self.assertEqual(list(answer["errors"]), ["people[0].name"])
                self.assertIn(words, answer["errors"]["people[0].name"][0])

    def test_limits_and_host_hold(self):
        lean, whole = self.both(b"{" + b" " * (settings.MAX_BODY_BYTES + 10) + b"}")
        self.assertSame(lean, whole, 413)
        without_host = environ(declaration("No Host"))
        del without_host["HTTP_HOST"]
        lean = self.bridge.run(without_host)
        without_host = environ(declaration("No Host"))
        del without_host["HTTP_HOST"]
        whole = self.whole.run(without_host)
        self.assertSame(lean, whole, 400)
        self.assertFalse(Submission.objects.exists())

    @override_settings(RATE_LIMITS=True, RATE_LIMIT_SUBMISSIONS_PER_HOUR=1)
    def test_the_rate_limit_holds(self):
        first = self.bridge.run(environ(declaration("Limited")))
        self.assertEqual(first[0], 201, first[2])
        again = self.bridge.run(environ(declaration("Limited Again")))
        self.assertEqual(again[0], 429, again[2])
