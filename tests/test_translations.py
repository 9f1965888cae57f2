"""Every string tuidang shows is translated into Simplified and Traditional Chinese.

The test extracts the messages with Django's own ``makemessages`` from a copy of the package,
then asks the loaded catalogues for each one in zh-hans and zh-hant.
"""

import shutil
import subprocess
import sys
from pathlib import Path

from django.utils import translation

PACKAGE = Path(__file__).resolve().parents[1] / "tuidang"


def extracted_messages(tmp_path: Path) -> list[str]:
    copy = tmp_path / "tuidang"
    shutil.copytree(
        PACKAGE,
        copy,
        ignore=shutil.ignore_patterns("locale", "ledger", "migrations", "__pycache__", "static"),
    )
    (copy / "locale").mkdir()
    script = (
        "import django, os; django.setup();"
        "from django.core.management import call_command;"
        f"os.chdir({str(copy)!r});"
        "call_command('makemessages', locale=['zh_Hans'], no_obsolete=True, verbosity=0)"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=tmp_path.parent)
    po = (copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text()
    from django.utils.translation.trans_real import to_locale  # noqa: F401 - warms Django

    messages, current, plural, context = [], None, False, None
    for line in [*po.splitlines(), ""]:
        if line.startswith("msgctxt "):
            context = line[8:].strip('"')
        elif line.startswith("msgid "):
            current, plural = line[6:].strip('"'), False
        elif line.startswith("msgid_plural"):
            plural = True
        elif line.startswith('"') and current is not None and not plural:
            current += line.strip('"')
        elif line.startswith("msgstr"):
            if current:
                messages.append(
                    (
                        current.encode().decode("unicode_escape").encode("latin-1").decode(),
                        plural,
                        context,
                    )
                )
            current, context = None, None
    return messages


def test_every_message_is_translated(tmp_path):
    assert shutil.which("xgettext"), (
        "GNU gettext is not installed (xgettext extracts the messages): apt-get install gettext"
    )
    missing = []
    for message, plural, context in extracted_messages(tmp_path):
        for language in ("zh-hans", "zh-hant"):
            with translation.override(language):
                if context:
                    translated = (
                        translation.npgettext(context, message, message, 2)
                        if plural
                        else translation.pgettext(context, message)
                    )
                else:
                    translated = (
                        translation.ngettext(message, message, 2)
                        if plural
                        else translation.gettext(message)
                    )
            if translated == message and any("a" <= ch.lower() <= "z" for ch in message):
                missing.append(f"{language}: {message!r}")
    assert not missing, "untranslated messages:\n" + "\n".join(missing)
