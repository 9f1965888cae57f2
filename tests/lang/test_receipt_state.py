"""The receipt page's status line follows the declaration's real state on every step,
including the "remove the text?" question (which used to say a logged entry would appear
with the next batch)."""

from tests.base import BaseTestCase, run_sequencer
from tests.declarations.test_declare import form_data, person, receipt_code_in

LOGGED = {
    "en": "Accepted: this declaration is in the public log and counted in the tally.",
    "zh-hans": "已接受：这份声明已记入公开日志并计入统计。",
    "zh-hant": "已接受：這份聲明已記入公開日誌並計入統計。",
}
NEXT_BATCH = {
    "en": "It will appear in the public log",
    "zh-hans": "它将随下一批次出现在公开日志",
    "zh-hant": "它將隨下一批次出現在公開日誌",
}


class RemovalPageStateTestCase(BaseTestCase):
    def declare(self) -> str:
        response = self.client.post(
            "/en/declare/", form_data(person("夜行", ["party"], "我退出"), want_receipt=True)
        )
        return receipt_code_in(response.content.decode())

    def ask_to_remove(self, code: str, language: str) -> str:
        response = self.client.post(f"/{language}/receipt/", {"code": code, "action": "remove"})
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_a_logged_entry_is_not_said_to_be_coming(self):
        code = self.declare()
        run_sequencer()
        for language in ("en", "zh-hans", "zh-hant"):
            with self.subTest(language=language):
                page = self.ask_to_remove(code, language)
                self.assertIn('name="confirm" value="yes"', page)
                self.assertIn(LOGGED[language], page)
                self.assertNotIn(NEXT_BATCH[language], page)
        page = self.client.post(
            "/zh-hant/receipt/", {"code": code, "action": "remove", "confirm": "yes"}
        ).content.decode()
        self.assertIn(LOGGED["zh-hant"], page)
        self.assertNotIn(NEXT_BATCH["zh-hant"], page)

    def test_an_entry_not_yet_logged_is_said_to_be_coming(self):
        code = self.declare()
        for language in ("en", "zh-hans", "zh-hant"):
            with self.subTest(language=language):
                page = self.ask_to_remove(code, language)
                self.assertIn(NEXT_BATCH[language], page)
                self.assertNotIn(LOGGED[language], page)
