"""E-mail: settings from the environment, one make_message, delivery over real SMTP."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import SimpleTestCase, override_settings

from tests.mailserver import MailServer, MailServerMixin
from tuidang import mail
from tuidang.conf import NO_MAIL_BACKEND, SMTP_BACKEND, mail_settings

NONE = {"url": "", "host": "", "port": "", "user": "", "password": "", "tls": "", "ssl": ""}


def test_no_mail_is_configured_by_default():
    assert mail_settings(**NONE).backend == NO_MAIL_BACKEND


def test_email_url_with_starttls_by_default():
    parsed = mail_settings(**{**NONE, "url": "smtp://ops%40centre.example:p%2Fw@relay.example"})
    assert (parsed.backend, parsed.host, parsed.port) == (SMTP_BACKEND, "relay.example", 587)
    assert (parsed.user, parsed.password, parsed.tls, parsed.ssl) == (
        "ops@centre.example",
        "p/w",
        True,
        False,
    )


def test_email_url_smtps_and_tls_off():
    smtps = mail_settings(**{**NONE, "url": "smtps://u:p@relay.example"})
    assert (smtps.port, smtps.ssl, smtps.tls) == (465, True, False)
    local = mail_settings(**{**NONE, "url": "smtp://127.0.0.1:25?tls=off"})
    assert (local.port, local.ssl, local.tls) == (25, False, False)


def test_email_url_with_another_scheme_is_refused_with_a_message():
    with pytest.raises(ValueError, match="smtp://user:password@host:587"):
        mail_settings(**{**NONE, "url": "http://relay.example"})


def test_separate_variables():
    parsed = mail_settings(**{**NONE, "host": "relay.example", "user": "u", "password": "p"})
    assert (parsed.backend, parsed.port, parsed.tls, parsed.ssl) == (SMTP_BACKEND, 587, True, False)
    ssl = mail_settings(**{**NONE, "host": "relay.example", "ssl": "1", "port": "2465"})
    assert (ssl.port, ssl.ssl, ssl.tls) == (2465, True, False)


class MakeMessageTests(SimpleTestCase):
    def test_each_language_and_both_parts(self):
        subjects = {}
        for language in ("zh-hans", "zh-hant", "en"):
            message = mail.make_message("test", "a@example.org", {}, language=language)
            subjects[language] = message.subject
            html, mimetype = message.alternatives[0]
            assert mimetype == "text/html"
            assert f'lang="{language}"' in html
        assert subjects == {
            "zh-hans": "来自tuidang的测试邮件",
            "zh-hant": "來自tuidang的測試郵件",
            "en": "Test message from tuidang",
        }

    @override_settings(SITE_NAME="Tom & Jerry's <centre>")
    def test_text_is_not_escaped_and_html_is(self):
        message = mail.make_message("test", ["a@example.org"], {}, language="en")
        assert "Tom & Jerry's <centre>" in message.body
        assert message.subject == "Test message from Tom & Jerry's <centre>"
        html = message.alternatives[0][0]
        assert "Tom &amp; Jerry&#x27;s &lt;centre&gt;" in html

    @override_settings(EMAIL_BACKEND=NO_MAIL_BACKEND)
    def test_sending_unconfigured_fails_saying_what_to_set(self):
        with pytest.raises(mail.MailNotConfigured, match="TUIDANG_EMAIL_URL"):
            mail.send(mail.make_message("test", "a@example.org", {}))
        assert "not configured" in mail.status()


class DeliveryTests(MailServerMixin, SimpleTestCase):
    def test_a_message_arrives_over_smtp_in_the_recipients_language(self):
        sent = mail.send(mail.make_message("test", "reader@example.org", {}, language="zh-hant"))
        assert sent == 1
        [delivery] = self.mailserver.deliveries
        assert delivery.rcpt_tos == ["reader@example.org"]
        assert delivery.mail_from == "centre@tuidang.test"
        message = delivery.message
        assert message["Subject"] == "來自tuidang的測試郵件"
        assert message["From"] == "centre@tuidang.test"
        assert "透過所設定的郵件中繼" in self.mailserver.text(message)
        assert "透過所設定的郵件中繼" in self.mailserver.html(message)

    def test_the_server_host_name_is_not_in_the_message(self):
        import socket

        mail.send(mail.make_message("test", "reader@example.org", {}))
        [delivery] = self.mailserver.deliveries
        # The relay is greeted with the sender's domain, and the Message-ID names it too:
        # neither the message nor its Received headers can tell where the server runs.
        assert delivery.helo == "tuidang.test"
        assert delivery.message["Message-ID"].endswith("@tuidang.test>")
        assert socket.getfqdn() not in delivery.raw.decode("ascii", "replace")

    def test_testmail_command_sends_and_reports(self):
        out = io.StringIO()
        call_command("testmail", "ops@example.org", "--language", "en", stdout=out)
        assert "sent a test message to ops@example.org" in out.getvalue()
        [message] = self.mailserver.to("ops@example.org")
        assert message["Subject"] == "Test message from tuidang"

    def test_testmail_without_a_sender_refuses(self):
        with (
            override_settings(EMAIL_FROM=""),
            pytest.raises(CommandError, match="TUIDANG_EMAIL_FROM"),
        ):
            call_command("testmail", "ops@example.org")
        assert self.mailserver.messages == []


def test_testmail_with_an_unreachable_relay_says_so():
    with MailServer() as server:
        port = server.port
        settings = server.settings()
    # The server is stopped: the port refuses connections.
    with (
        override_settings(**{**settings, "EMAIL_PORT": port}),
        pytest.raises(CommandError, match="sending failed"),
    ):
        call_command("testmail", "ops@example.org")
