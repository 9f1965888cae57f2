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
