"""Nothing an operator can set or run is undocumented: README.md names every variable and command."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tuidang"
README = (ROOT / "README.md").read_text()

# env("TUIDANG_X"…), env_bool(…), env_int(…), os.environ["TUIDANG_X"], os.environ.get(…),
# os.getenv(…), with the name possibly on the next line.
READS = re.compile(
    r"""(?:\benv(?:_bool|_int)?\(|os\.environ(?:\.get\(|\.setdefault\(|\[)|os\.getenv\()"""
    r"""\s*["'](TUIDANG_[A-Z0-9_]+)["']"""
)


def environment_variables() -> set[str]:
    names = set()
    for path in PACKAGE.rglob("*.py"):
        names |= set(READS.findall(path.read_text()))
    return names


def management_commands() -> set[str]:
    return {
        path.stem
        for path in PACKAGE.glob("*/management/commands/*.py")
        if not path.stem.startswith("_")
    }


def test_the_search_finds_what_it_should():
    # Guards the guard: a regex that matched nothing would pass the tests below vacuously.
    variables = environment_variables()
    assert {"TUIDANG_DATA_DIR", "TUIDANG_DATABASE_URL", "TUIDANG_SPAM_WORDS"} <= variables
    assert {"serve", "demo"} <= management_commands()


def test_every_environment_variable_is_documented_in_the_readme():
    missing = sorted(name for name in environment_variables() if f"`{name}`" not in README)
    assert not missing, f"README.md does not document {missing}"


def test_every_management_command_is_mentioned_in_the_readme():
    missing = sorted(
        name
        for name in management_commands()
        if not re.search(rf"`tuidang {re.escape(name)}\b", README)
    )
    assert not missing, f"README.md does not mention {missing}"


THREAT_MODEL = (ROOT / "docs" / "threat-model.md").read_text()
# `tests/path.py::Class::test` or `::test`, as the threat model names the test for a mitigation.
NAMED_TEST = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?(?:::(\w+))?")


def test_every_test_the_threat_model_names_exists():
    named = NAMED_TEST.findall(THREAT_MODEL)
    assert len(named) > 30, "the threat model names too few tests: did the pattern change?"
    missing = []
    for path, first, second in named:
        source = ROOT / path
        if not source.is_file():
            missing.append(path)
            continue
        text = source.read_text()
        for name in (first, second):
            if name and not re.search(rf"^\s*(?:class|def) {name}\b", text, re.M):
                missing.append(f"{path}::{name}")
    assert not missing, f"docs/threat-model.md names tests that do not exist: {missing}"
