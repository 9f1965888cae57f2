"""Debian's Chromium, driven by Playwright, against Django's live test server.

Playwright never downloads a browser here: it launches the system's ``chromium`` (`.ci/run`
installs it). Without it every browser test fails with the command to install it; none skips.
"""

import os
import shutil

from django.contrib.staticfiles.testing import StaticLiveServerTestCase

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Chromium's own background traffic (updates, sync, safe browsing) is switched off: the
# machine has no network but loopback, and no test may reach a third party.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class BrowserTestCase(StaticLiveServerTestCase):
    """A live server and one Chromium for the whole class; each test opens its own context."""

    @classmethod
    def setUpClass(cls):
        # Playwright's synchronous API runs an event loop in this thread; the ORM calls made
        # here between browser steps are ordinary blocking calls, which is what we want.
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        if not os.path.exists(CHROMIUM):
            raise RuntimeError(
                f"Chromium is not installed at {CHROMIUM}: apt-get install chromium "
                "(`.ci/run` installs it)"
            )
        super().setUpClass()
        from playwright.sync_api import sync_playwright

        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.playwright.stop()
        super().tearDownClass()
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
