"""Chinese text keeps its own language and glyphs, and receipt codes keep their groups.

See tuidang/text.py; the browser suite (tests/browser/test_chinese_text.py) checks the fonts
and the line breaks in Chromium.
"""

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template

from tests.base import BaseTestCase, login_verified, make_submission, run_sequencer
from tuidang.declarations.models import Channel
from tuidang.text import chinese_script, lang_for


def test_the_script_is_told_from_the_characters():
    assert chinese_script("山间明月") == "zh-Hans"
    assert chinese_script("山間明月") == "zh-Hant"
    assert chinese_script("我們今天聲明退出，们") == "zh-Hant"  # more Traditional than not
    assert chinese_script("山中明月") == "zh"  # the same in both scripts
    assert chinese_script("Lily") == ""
    assert chinese_script("") == ""
    assert chinese_script("𠀀") == "zh"  # beyond the Basic Multilingual Plane


def test_only_text_in_another_language_than_the_page_is_marked():
    assert lang_for("山间明月", "en") == "zh-Hans"
    assert lang_for("山中明月", "en") == "zh"
    assert lang_for("山間明月", "zh-hans") == "zh-Hant"
    assert lang_for("山间明月", "zh-hant") == "zh-Hans"
    assert lang_for("山间明月", "zh-hans") == ""
    assert lang_for("山中明月", "zh-hant") == ""
    assert lang_for("Lily", "zh-hans") == ""


def test_a_receipt_code_is_drawn_in_unbreakable_groups():
    html = Template("{% load text %}{{ code|receipt_groups }}").render(
        Context({"code": "1A2B3-C4D5E-<b>"})
    )
    assert html == (
        '<span class="group">1A2B3</span>-<wbr><span class="group">C4D5E</span>-<wbr>'
        '<span class="group">&lt;b&gt;</span>'
    )


class LangOnPublicPagesTestCase(BaseTestCase):
    def test_chinese_aliases_and_statements_carry_their_language_on_english_pages(self):
        make_submission("山間明月", statement="我今天聲明退出共產黨。")
        make_submission("清风徐来", statement="我今天声明退出共产党。")
        make_submission("Lily", statement="I quit today.")
        run_sequencer()
        day = date.today().isoformat()
        english = self.client.get(f"/en/statements/{day}/").content.decode()
        self.assertIn('<h2 class="alias" lang="zh-Hant">山間明月</h2>', english)
        self.assertIn('<blockquote lang="zh-Hant">我今天聲明退出共產黨。</blockquote>', english)
        self.assertIn('<h2 class="alias" lang="zh-Hans">清风徐来</h2>', english)
        self.assertIn('<h2 class="alias">Lily</h2>', english)
        simplified = self.client.get(f"/zh-hans/statements/{day}/").content.decode()
        self.assertIn('<h2 class="alias" lang="zh-Hant">山間明月</h2>', simplified)
        self.assertIn('<h2 class="alias">清风徐来</h2>', simplified)
        traditional = self.client.get(f"/zh-hant/statements/{day}/").content.decode()
        self.assertIn('<h2 class="alias">山間明月</h2>', traditional)
        self.assertIn('<h2 class="alias" lang="zh-Hans">清风徐来</h2>', traditional)
        home = self.client.get("/en/").content.decode()
        self.assertIn('<h3 class="alias" lang="zh-Hant">山間明月</h3>', home)

    def test_staff_pages_mark_chinese_names_on_english_pages_too(self):
        """The queue's earlier matches and the CSV import's result name people as well."""
        login_verified(self.client, self.mo)
        make_submission("山間明月", region="CN-BJ", declared_on=date(2026, 11, 1))
        make_submission("山間 明月", region="CN-BJ", channel=Channel.PHONE)
        queue = self.client.get("/en/staff/queue/?flag=duplicate").content.decode()
        self.assertIn('<span lang="zh-Hant">山間明月</span> (#', queue)
        csv = (
            "name,organisations,region,statement,date,channel,family\n"
            "清风徐来,party,CN-GD,,2026-11-20,post,\nLily,party,,,2026-11-20,post,\n"
        )
        login_verified(self.client, self.val)
        page = self.client.post(
            "/en/staff/import/",
            {"file": SimpleUploadedFile("people.csv", csv.encode(), content_type="text/csv")},
        ).content.decode()
        self.assertIn('<span lang="zh-Hans">清风徐来</span>', page)
        self.assertIn("<span>Lily</span>", page)
