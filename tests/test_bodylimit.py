"""Bodies refused from their headers: through the test client (BodyLimitMiddleware) and through
the ASGI guard ``tuidang serve`` runs (BodyGuard). The live server is tested in
tests/test_slow_clients.py."""

import asyncio
import json

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from tests.base import BaseTestCase, login_verified
from tuidang import bodylimit
from tuidang.declarations.models import Submission

MULTIPART = "multipart/form-data; boundary=BoUnDaRy"


def multipart(fields: dict[str, str]) -> bytes:
    parts = [
        f'--BoUnDaRy\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    return ("".join(parts) + "--BoUnDaRy--\r\n").encode()


class TestClientTestCase(BaseTestCase):
    def test_public_forms_and_the_api_refuse_multipart(self):
        body = multipart({"person-0-name": "张三", "send": "1"})
        for path, text in [
            ("/zh-hans/declare/", "此表格不接受上传文件。"),
            ("/zh-hant/receipt/", "此表格不接受上傳檔案。"),
            ("/en/declare/", "This form does not accept file uploads."),
            ("/api/v1/declarations", "此表格不接受上传文件。"),  # no prefix: the default
        ]:
            response = self.client.post(path, body, content_type=MULTIPART)
            self.assertEqual(response.status_code, 415, path)
            self.assertEqual(response["Connection"], "close")
            self.assertIn(text, response.content.decode())
        self.assertFalse(Submission.objects.exists())

    def test_a_json_body_over_the_limit_is_refused_in_the_requests_language(self):
        body = json.dumps({"people": [{"name": "x" * (300 * 1024), "organisations": ["party"]}]})
        response = self.client.post(
            "/api/v1/declarations",
            body,
            content_type="application/json",
            headers={"Accept-Language": "en-GB,en;q=0.9"},
        )
        self.assertEqual(response.status_code, 413)
        self.assertEqual(response["Connection"], "close")
        self.assertEqual(
            response.content.decode(),
            "This request is too large: at most 256 KB can be sent at once.\n",
        )
        self.assertFalse(Submission.objects.exists())

    def test_a_form_is_refused_from_its_declared_length_without_reading_the_body(self):
        # The declared length is 1 GB and only a few bytes follow: reading would fail.
        response = self.client.post(
            "/zh-hans/declare/",
            "send=1",
            content_type="application/x-www-form-urlencoded",
            CONTENT_LENGTH=str(1024**3),
        )
        self.assertEqual(response.status_code, 413)
        self.assertEqual(response.content.decode(), "请求太大：一次最多只能发送 256 KB。\n")

    def test_a_length_that_is_not_a_number_is_refused(self):
        response = self.client.post(
            "/en/declare/", "send=1", content_type="text/plain", CONTENT_LENGTH="12abc"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("The request's length is not a number.", response.content.decode())

    @override_settings(MAX_BODY_BYTES=1024)
    def test_the_limit_is_a_setting(self):
        response = self.client.post("/en/declare/", {"person-0-statement": "x" * 2000})
        self.assertEqual(response.status_code, 413)
        self.assertIn("at most 1 KB", response.content.decode())
        response = self.client.post("/en/declare/", {"person-0-statement": "x" * 500})
        self.assertNotEqual(response.status_code, 413)


@time_machine.travel("2026-11-23 10:00Z", tick=False)
class StaffImportTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        login_verified(self.client, self.val)

    def test_the_staff_import_takes_a_file_larger_than_the_public_limit(self):
        rows = "".join(f"人{i},party,,{f'声明{i}' * 30},2026-11-20,post,\n" for i in range(2000))
        data = ("name,organisations,region,statement,date,channel,family\n" + rows).encode()
        self.assertGreater(len(data), 256 * 1024)
        upload = SimpleUploadedFile("batch.csv", data, content_type="text/csv")
        response = self.client.post("/en/staff/import/", {"file": upload})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "2,000 people kept")

    def test_the_staff_import_has_its_own_limit(self):
        response = self.client.post(
            "/zh-hant/staff/import/",
            multipart({"file": "x"}),
            content_type=MULTIPART,
            CONTENT_LENGTH=str(6 * 1024 * 1024),
        )
        self.assertEqual(response.status_code, 413)
        self.assertEqual(response.content.decode(), "請求太大：一次最多只能傳送 5 MB。\n")


class Recorder:
    """An inner ASGI application that records what it was called with."""

    def __init__(self):
        self.calls: list[bytes] = []

    async def __call__(self, scope, receive, send):
        message = await receive()
        self.calls.append(message["body"])
        assert message["more_body"] is False
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def call_guard(app, path: str, headers: dict[str, str], chunks: list[bytes], pause: float = 0):
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
    }
    pending = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    sent: list[dict] = []

    async def receive():
        if pause:
            await asyncio.sleep(pause)
        if pending:
            return pending.pop(0)
        await asyncio.sleep(3600)  # the client is silent

    async def send(message):
        sent.append(message)

    asyncio.run(bodylimit.BodyGuard(app)(scope, receive, send))
    return sent


@pytest.mark.django_db
def test_the_guard_gives_the_application_the_whole_body_at_once():
    inner = Recorder()
    sent = call_guard(inner, "/api/v1/declarations", {}, [b"{", b'"a"', b": 1}"])
    assert inner.calls == [b'{"a": 1}']
    assert sent[0]["status"] == 200


@pytest.mark.django_db
def test_the_guard_counts_a_body_sent_without_a_length_and_refuses_it_at_the_limit():
    inner = Recorder()
    chunks = [b" " * 65536] * 8  # 512 KB, chunked: no Content-Length
    sent = call_guard(inner, "/en/declare/", {"transfer-encoding": "chunked"}, chunks)
    assert inner.calls == []
    assert sent[0]["status"] == 413
    assert (b"connection", b"close") in sent[0]["headers"]
    assert sent[1]["body"] == b"This request is too large: at most 256 KB can be sent at once.\n"


@pytest.mark.django_db
def test_the_guard_refuses_from_the_headers_without_receiving_anything():
    inner = Recorder()
    received: list[str] = []

    async def never_receive():
        received.append("called")
        raise AssertionError("the body was read")

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/zh-hans/declare/",
        "headers": [(b"content-length", b"41943040"), (b"content-type", MULTIPART.encode())],
    }
    asyncio.run(bodylimit.BodyGuard(inner)(scope, never_receive, send))
    assert received == [] and inner.calls == []
    assert sent[0]["status"] == 415
    assert "此表格不接受上传文件。" in sent[1]["body"].decode()


@pytest.mark.django_db
def test_a_body_that_arrives_too_slowly_is_answered_408(monkeypatch):
    monkeypatch.setattr(bodylimit, "BODY_TIMEOUT_SECONDS", 0.2)
    inner = Recorder()
    sent = call_guard(inner, "/en/declare/", {"content-length": "100"}, [b"a"] * 100, pause=0.01)
    assert inner.calls == []
    assert sent[0]["status"] == 408
    assert sent[1]["body"] == b"The request took too long to arrive. Please send it again.\n"


@pytest.mark.django_db
def test_only_a_trusted_proxy_can_say_the_request_came_over_https():
    from tuidang.asgi import ForwardedProto

    seen: list[str] = []

    async def inner(scope, receive, send):
        seen.append(scope["scheme"])

    for client in ("127.0.0.1", "203.0.113.5"):
        scope = {
            "type": "http",
            "scheme": "http",
            "client": (client, 40000),
            "headers": [(b"x-forwarded-proto", b"https")],
        }
        asyncio.run(ForwardedProto(inner)(scope, None, None))
    assert seen == ["https", "http"]
