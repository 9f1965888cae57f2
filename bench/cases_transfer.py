"""Memory of ``tuidang cases export --identities`` and ``import`` with evidence files: does the
peak grow with the number of files, or only with the largest one?

Fills a fresh instance (its own temporary data dir and key, SQLite) with one case per run
holding ``N`` evidence files of ``--megabytes`` MB each, for each ``N`` of ``--files``, exports
it with its files, empties the database and imports the export back, measuring the Python
heap's peak (``tracemalloc``: the file's bytes, sealed and clear, are Python objects) and the
wall time of each. The runs alternate in one process so the machine's load is shared alike.
Usage (results in bench/RESULTS.md)::

    .venv/bin/python bench/cases_transfer.py --files 1 8 --megabytes 4
"""

import argparse
import io
import os
import secrets
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--megabytes", type=float, default=4)
    args = parser.parse_args()
    print(f"load {os.getloadavg()}")
    os.environ["TUIDANG_DATA_DIR"] = tempfile.mkdtemp(prefix="tuidang-bench-transfer-")
    os.environ["TUIDANG_CASES_KEY_FILE"] = str(Path(tempfile.mkdtemp()) / "cases.key")
    os.environ["TUIDANG_DATABASE_URL"] = ""
    os.environ["TUIDANG_CASES_EVIDENCE_MAX_BYTES"] = str(int(args.megabytes * 2**20) + 1)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuidang.settings")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from tuidang.cases import secrecy
    from tuidang.cases.models import Case, Evidence

    call_command("migrate", verbosity=0)
    secrecy.make_key()
    owner = User.objects.create_user("rita", is_staff=True)
    size = int(args.megabytes * 2**20)
    print("| files | MB each | export peak MB | export s | import peak MB | import s |")
    for count in args.files:
        case = Case.objects.create(codename=f"Bench{count}", kind="documentation", owner=owner)
        for _ in range(count):
            Evidence.receive(case, secrets.token_bytes(size), filename="scan.bin", by=owner)
        folder = Path(tempfile.mkdtemp(prefix="tuidang-bench-export-"))
        out = folder / "cases.json"
        tracemalloc.start()
        started = time.perf_counter()
        call_command(
            "cases", "export", "--identities", "--reason", "bench", "--out", str(out),
            stderr=io.StringIO(),
        )  # fmt: skip
        export_seconds = time.perf_counter() - started
        export_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        Case.objects.filter(pk=case.pk).delete()
        tracemalloc.start()
        started = time.perf_counter()
        call_command("cases", "import", str(out), stdout=io.StringIO())
        import_seconds = time.perf_counter() - started
        import_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert Evidence.objects.filter(case__codename=f"Bench{count}").count() == count
        Case.objects.filter(codename=f"Bench{count}").delete()
        print(
            f"| {count} | {args.megabytes:g} | {export_peak / 2**20:.1f} | {export_seconds:.2f} "
            f"| {import_peak / 2**20:.1f} | {import_seconds:.2f} |"
        )
    print(f"load {os.getloadavg()}")


if __name__ == "__main__":
    main()
