"""Dependencies between the apps point one way, so each app can be read (and later split off)
on its own: ``accounts`` is used by every app and uses none; ``ledger`` is a pure library;
``transparency`` keeps the log for whoever appends to it and knows none of them; the
moderation policy reads submissions but ``models.py`` does not reach back into it.

Imports are read with ``ast``, inside functions too, so a lazy import counts like any other.
A contribution the other way goes through a hook instead: ``AppConfig.staff_panel`` for the
staff home, ``AppConfig.log_export`` for the log's export, the ``forgetting`` signal.
"""

import ast
import unittest
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "tuidang"
APPS = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())


def imports_of(path: Path, source: str | None = None) -> set[str]:
    """Every module ``path`` imports, as dotted names (``from a import b`` gives ``a.b`` and ``a``)."""
    found: set[str] = set()
    text = path.read_text() if source is None else source
    for node in ast.walk(ast.parse(text, str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                base = path.relative_to(PACKAGE.parent).with_suffix("").parts[: -node.level]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def imports_of_app(app: str) -> dict[str, set[str]]:
    """``{file: imports}`` for every Python file of ``tuidang/<app>/``, migrations included."""
    return {
        str(path.relative_to(PACKAGE.parent)): imports_of(path)
        for path in sorted((PACKAGE / app).rglob("*.py"))
    }


def apps_imported(imports: set[str]) -> set[str]:
    return {name.split(".")[1] for name in imports if name.startswith("tuidang.")} & set(APPS)


class ImportDirectionTestCase(unittest.TestCase):
    def assert_app_imports_only(self, app: str, allowed: set[str]) -> None:
        wrong = {
            path: sorted(apps_imported(imports) - allowed - {app})
            for path, imports in imports_of_app(app).items()
        }
        self.assertEqual({path: names for path, names in wrong.items() if names}, {})

    def test_the_apps_are_found(self):
        self.assertTrue(
            {"accounts", "declarations", "hotline", "ledger", "transparency"} <= set(APPS)
        )

    def test_accounts_imports_no_other_app(self):
        self.assert_app_imports_only("accounts", set())

    def test_ledger_imports_no_other_app_and_no_django(self):
        self.assert_app_imports_only("ledger", set())
        with_django = {
            path: sorted(name for name in imports if name.split(".")[0] == "django")
            for path, imports in imports_of_app("ledger").items()
        }
        self.assertEqual({path: names for path, names in with_django.items() if names}, {})

    def test_transparency_imports_only_the_ledger(self):
        # Not declarations, hotline or accounts: any app appends through tuidang.transparency.
        self.assert_app_imports_only("transparency", {"ledger"})

    def test_the_moderation_policy_imports_no_model_and_models_no_view(self):
        moderation = imports_of(PACKAGE / "declarations" / "moderation.py")
        self.assertFalse({n for n in moderation if n.startswith("tuidang.declarations.models")})
        models = imports_of(PACKAGE / "declarations" / "models.py")
        self.assertFalse({n for n in models if n.startswith("tuidang.declarations.views")})

    def test_the_declarations_models_know_no_hotline(self):
        # Calls are forgotten with their submissions through the ``forgetting`` signal.
        models = imports_of(PACKAGE / "declarations" / "models.py")
        self.assertEqual(apps_imported(models) - {"declarations"}, set())
        self.assertEqual(apps_imported(imports_of(PACKAGE / "hotline" / "models.py")), set())

    def test_relative_imports_are_resolved(self):
        # The checks above would miss `from ..declarations import models` otherwise.
        found = imports_of(PACKAGE / "accounts" / "views.py", "from ..declarations import models\n")
        self.assertEqual(apps_imported(found), {"declarations"})
