"""Chinese messages use full-width punctuation: ，；：？！（） and not , ; : ? ! ( ).

Every msgstr of every zh_Hans and zh_Hant catalogue in tuidang/locale is read, and an ASCII
comma, semicolon, colon, question mark, exclamation mark or bracket touching a Chinese
character (or a full-width mark) is refused. A mark with a space on both sides is a literal
character being named ("separated by ; or |") and is left alone.
"""

import re
from html import unescape as html_unescape
from pathlib import Path

from tests.base import BaseTestCase, login_verified, make_submission, run_sequencer
from tuidang.accounts.models import AuditEvent

LOCALE = Path(__file__).resolve().parents[2] / "tuidang" / "locale"
CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# Touching on the left, or touching on the right; ", 中" (a comma, a space, Chinese) too.
HALF_WIDTH = re.compile(rf"(?<=[{CJK}])[,;:?!()]|[,;:?!()](?=[{CJK}])|(?<=[{CJK}])[,;:?!] ")


def translations(po: Path) -> list[tuple[str, str]]:
    """``(msgid, msgstr)`` for every message of ``po`` (plural forms each), header left out."""
    pairs, msgid, target, field = [], "", None, ""
    for line in [*po.read_text().splitlines(), ""]:
        if line.startswith(("msgid ", "msgctxt ", "msgid_plural ")):
            if target is not None:
                pairs.append((msgid, target))
                target = None
            field = line.split(" ", 1)[0]
            if field == "msgid":
                msgid = line.split(" ", 1)[1].strip('"')
        elif line.startswith("msgstr"):
            if target is not None:
                pairs.append((msgid, target))
            field, target = "msgstr", line.split(" ", 1)[1].strip('"')
        elif line.startswith('"'):
            if field == "msgstr" and target is not None:
                target += line.strip('"')
            elif field == "msgid":
                msgid += line.strip('"')
        elif target is not None:
            pairs.append((msgid, target))
            target = None
    return [(msgid, msgstr) for msgid, msgstr in pairs if msgid]


def test_catalogues_are_found():
    catalogues = list(LOCALE.glob("*/zh_Han[st]/LC_MESSAGES/django.po"))
    assert len(catalogues) >= 20, catalogues
    assert sum(len(translations(po)) for po in catalogues) > 500


def test_chinese_messages_use_full_width_punctuation():
    offending = [
        f"{po.relative_to(LOCALE)}: {msgstr!r}"
        for po in sorted(LOCALE.glob("*/zh_Han[st]/LC_MESSAGES/django.po"))
        for _msgid, msgstr in translations(po)
        if HALF_WIDTH.search(msgstr)
    ]
    assert not offending, "half-width punctuation in Chinese:\n" + "\n".join(offending)


def test_the_rule_catches_what_it_should():
    assert HALF_WIDTH.search("已接受 3 份提交(2 人)")
    assert HALF_WIDTH.search("请注意:这很重要")
    assert HALF_WIDTH.search("是吗?")
    assert HALF_WIDTH.search("北京, 上海")
    assert not HALF_WIDTH.search("用 ; 或 | 分隔")
    assert not HALF_WIDTH.search("已接受 %(count)s 份提交（%(people)s）。")


class PagesTestCase(BaseTestCase):
    """What the catalogues cannot show: punctuation that templates and code put between
    translated words ("北京: 12", "垃圾信息 (3)")."""

    PUBLIC = ("", "tally/", "declare/", "receipt/", "statements/", "log/")
    STAFF = (
        "staff/",
        "staff/intake/",
        "staff/import/",
        "staff/calls/",
        "staff/queue/",
        "staff/audit/",
        "staff/entered/",
        "staff/helper/",
        "staff/helpers/",
    )

    def test_chinese_pages_use_full_width_punctuation(self):
        make_submission("青松", region="CN-BJ", statement="see www.example.com now")
        make_submission("白云", region="CN-SC")
        run_sequencer()
        AuditEvent.record(self.mo, "declarations.reject", reason="spam", flags=["link"])
        offending = []
        for language in ("zh-hans", "zh-hant"):
            self.client.logout()
            for path in self.PUBLIC:
                offending += self.problems(language, path)
            login_verified(self.client, self.alice)
            for path in self.STAFF:
                offending += self.problems(language, path)
        assert not offending, "half-width punctuation in Chinese:\n" + "\n".join(offending)

    def problems(self, language: str, path: str) -> list[str]:
        response = self.client.get(f"/{language}/{path}", follow=True)
        self.assertEqual(response.status_code, 200, path)
        html = re.sub(
            r"<(script|style|code|pre|kbd)\b.*?</\1>", " ", response.content.decode(), flags=re.S
        )
        text = html_unescape(re.sub(r"<[^>]*>", "", html))
        return [
            f"/{language}/{path}: …{text[max(0, m.start() - 12) : m.end() + 12]!r}…"
            for m in HALF_WIDTH.finditer(text)
        ]
