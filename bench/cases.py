"""Cases at scale: the case list and search with 100,000 acts and 20,000 people, and a dossier
over 1,000 cases.

Fills a fresh instance (its own temporary data dir and key; SQLite unless ``--database-url``)
with ``--cases`` cases of ``--people`` people and ``--acts`` acts in all (names sealed as in
production, name digests made), then, through Django's test client as a logged-in researcher
who owns every case, times ``--repeat`` requests each of: the case list's first page, a search
by codename, a search by a person's name (another spelling than the stored one) and a person's
page, and the same as a caseworker who reaches a fifth of the cases through a team and a few
by grants (the access rules of ``cases_for_user`` applied); and builds one dossier (PDF, UN
PDF, CSV, JSON) over ``--dossier-cases`` cases, reporting wall time and the CPU time of this
process and of the processes it started. ``--source DIR`` runs another checkout's ``tuidang``
(e.g. ``git archive main``) with the same data and requests, for a before/after comparison.
``--data-dir DIR`` keeps the filled instance (and its key, beside DIR) and reuses it when run
again with the same sizes and database, so two trees can be timed alternately on the same data
without filling twice. Each line gives the wall time and this process's CPU per request.
Usage (results in bench/RESULTS.md)::

    .venv/bin/python bench/cases.py --cases 5000 --people 20000 --acts 100000 --dossier-cases 1000
    .venv/bin/python bench/cases.py --source=/tmp/main --data-dir /tmp/cases-bench --skip-dossier
"""

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--source=")), str(ROOT))
sys.path.insert(0, SOURCE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--acts", type=int, default=100000)
    parser.add_argument("--dossier-cases", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--source", default=str(ROOT), help="checkout whose tuidang to run")
    parser.add_argument("--skip-dossier", action="store_true")
    parser.add_argument(
        "--data-dir",
        default="",
        help="keep the filled instance here (its key beside it) and reuse it when run again "
        "with the same sizes and database: filling 100,000 acts takes minutes",
    )
    args = parser.parse_args()
    print(f"source {args.source}; database {args.database_url or 'sqlite'}; load {os.getloadavg()}")

    if args.data_dir:
        data_dir = Path(args.data_dir).resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        key_file = data_dir.with_name(data_dir.name + ".key")
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="tuidang-bench-cases-"))
        key_file = Path(tempfile.mkdtemp()) / "cases.key"
    filled_mark = data_dir / "bench-cases-filled"
    signature = f"{args.cases} {args.people} {args.acts} {args.database_url}"
    reuse = filled_mark.exists() and filled_mark.read_text() == signature
    os.environ["TUIDANG_DATA_DIR"] = str(data_dir)
    os.environ["TUIDANG_CASES_KEY_FILE"] = str(key_file)
    os.environ["TUIDANG_DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuidang.settings")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tuidang.cases.models import Person

    call_command("migrate", verbosity=0)
    per_case = args.people // args.cases
    if reuse:
        print(f"reusing the instance filled in {data_dir}")
        user = User.objects.get(username="bench")
        caseworker = User.objects.get(username="bench-cw")
        device = TOTPDevice.objects.get(user=user)
        cw_device = TOTPDevice.objects.get(user=caseworker)
        people_count = Person.objects.count()
        ordered = Person.objects.order_by("pk").select_related("case")
        target = ordered[people_count // 2]
        cw_target = ordered[per_case * 5 * (args.cases // 10)]
    else:
        (user, device, caseworker, cw_device, target, cw_target) = fill(args, per_case)
        from django.db import connection

        if connection.vendor == "postgresql":
            # As autovacuum would soon after such a fill: without statistics the planner
            # guesses row counts (6,000 people for 20,000) and picks scans it would not.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        filled_mark.write_text(signature)
    lists_and_dossier(args, user, device, caseworker, cw_device, target, cw_target)


def fill(args, per_case: int):
    from django.contrib.auth.models import Group, User
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tuidang.cases import names, secrecy
    from tuidang.cases.models import Act, Case, Event, Person, PersonNameKey, Term

    secrecy.make_key()
    user = User.objects.create_user("bench", password="x" * 20, is_staff=True)
    user.groups.add(Group.objects.get(name="researcher"))
    device = TOTPDevice.objects.create(user=user, name="d", confirmed=True)

    started = time.perf_counter()
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "建国秀英志强丽华明文海燕春梅秋菊立新振华德明永红"
    provinces = [
        "CN-JL",
        "CN-LN",
        "CN-HL",
        "CN-SD",
        "CN-HE",
        "CN-SC",
        "CN-HB",
        "CN-GD",
        "CN-BJ",
        "CN-SH",
    ]
    arrest = Term.objects.get(vocabulary="act_type", code="arrest")
    detention = Term.objects.get(vocabulary="act_type", code="detention")
    held = Term.objects.get(vocabulary="victim_status", code="held")
    cases = Case.objects.bulk_create(
        Case(codename=f"C{i:05d}", kind="documentation", owner=user) for i in range(args.cases)
    )
    people = Person.objects.bulk_create(
        Person(
            case=cases[i // per_case],
            pseudonym=f"P{i:05d}",
            real_name=surnames[i % 20] + given[(i // 20) % 24] + given[(i // 480) % 24],
            birth_date=str(1940 + i % 60),
            region=provinces[i % 10],
        )
        for i in range(per_case * args.cases)
    )
    keys = []
    for person in people:
        for key in names.name_keys(person.real_name):
            keys.append(PersonNameKey(person=person, key=key))
    PersonNameKey.objects.bulk_create(keys, batch_size=5000)
    events = Event.objects.bulk_create(
        Event(case=case, title="Arrests", region=provinces[i % 10], description="Narrative " * 20)
        for i, case in enumerate(cases)
    )
    acts_per_case = args.acts // args.cases
    Act.objects.bulk_create(
        (
            Act(
                event=events[c],
                victim=people[c * per_case + a % per_case],
                act_type=arrest if a % 2 else detention,
                victim_status=held,
            )
            for c in range(args.cases)
            for a in range(acts_per_case)
        ),
        batch_size=5000,
    )
    from tuidang.cases.models import CaseGrant, Team

    caseworker = User.objects.create_user("bench-cw", password="x" * 20, is_staff=True)
    caseworker.groups.add(Group.objects.get(name="caseworker"))
    cw_device = TOTPDevice.objects.create(user=caseworker, name="d", confirmed=True)
    team = Team.objects.create(name="bench team")
    team.members.add(caseworker)
    Case.objects.filter(pk__in=[c.pk for c in cases[::5]]).update(team=team)
    CaseGrant.objects.bulk_create(
        CaseGrant(case=c, user=caseworker, granted_by=user) for c in cases[1:200:10]
    )
    print(
        f"filled {Case.objects.count()} cases, {Person.objects.count()} people, "
        f"{Act.objects.count()} acts in {time.perf_counter() - started:.0f} s"
    )
    cw_target = people[per_case * 5 * (args.cases // 10)]  # in a case of the caseworker's team
    return user, device, caseworker, cw_device, people[len(people) // 2], cw_target


def lists_and_dossier(args, user, device, caseworker, cw_device, target, cw_target) -> None:
    from tests.base import BrowserClient
    from tuidang.cases import dossier, names
    from tuidang.cases.models import Case

    def logged_in(who, device) -> BrowserClient:
        client = BrowserClient(HTTP_HOST="localhost")
        client.force_login(who)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
        return client

    client = logged_in(user, device)
    cw_client = logged_in(caseworker, cw_device)
    spelling = names.pinyin(target.real_name)

    def timed(label: str, call) -> None:
        call()  # warm
        times, cpu = [], []
        for _ in range(args.repeat):
            t, c = time.perf_counter(), time.process_time()
            response = call()
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
            assert response.status_code == 200, response.status_code
        times.sort()
        # CPU: this process only (with SQLite, the whole request; with PostgreSQL, all but the
        # server's share). Less swayed than wall time by what else runs on the machine.
        print(
            f"{label:<40} p50 {statistics.median(times):7.1f} ms   "
            f"p95 {times[int(len(times) * 0.95)]:7.1f} ms   "
            f"cpu p50 {statistics.median(cpu):6.1f} ms"
        )

    timed("researcher: case list, first page", lambda: client.get("/en/cases/"))
    timed("researcher: case list, page 50", lambda: client.get("/en/cases/?page=50"))
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(20):
            client.get("/en/cases/")
        profiler.disable()
        order = "cumulative" if os.environ["BENCH_PROFILE"] == "cumulative" else "tottime"
        pstats.Stats(profiler).sort_stats(order).print_stats(40)
    timed(
        "researcher: search by codename",
        lambda: client.post("/en/cases/", {"q": target.case.codename}),
    )
    timed("researcher: search by name (pinyin)", lambda: client.post("/en/cases/", {"q": spelling}))
    timed(
        "researcher: person page",
        lambda: client.get(f"/en/cases/{target.case_id}/people/{target.pk}/"),
    )
    timed("caseworker: case list, first page", lambda: cw_client.get("/zh-hans/cases/"))
    timed(
        "caseworker: search by codename",
        lambda: cw_client.post("/zh-hans/cases/", {"q": cw_target.case.codename}),
    )
    timed(
        "caseworker: search by name (pinyin)",
        lambda: cw_client.post("/zh-hans/cases/", {"q": names.pinyin(cw_target.real_name)}),
    )
    if args.skip_dossier:
        return
    timed("counts over every case", lambda: client.get("/en/cases/counts/"))

    from tuidang.cases.models import RedactionProfile

    profile = RedactionProfile.objects.get(recipient_kind__code="government")
    chosen = Case.objects.order_by("pk")[: args.dossier_cases]
    cpu = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        dossier.build(
            chosen[:20], dossier.Filters(), profile, title="P", recipient="R", language="en"
        )
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    if os.environ.get("BENCH_STAGES"):
        from django.utils import translation

        from tuidang.cases.models import Act as ActModel

        with translation.override("en"):
            t0 = time.perf_counter()
            data = dossier.dossier_data(
                ActModel.objects.filter(event__case__in=chosen), profile, title="S", recipient="R"
            )
            t1 = time.perf_counter()
            dossier.to_json(data), dossier.to_csv(data)
            t2 = time.perf_counter()
            dossier.to_pdf(data)
            t3 = time.perf_counter()
            dossier.to_pdf(data, "cases/dossier_un.html")
            t4 = time.perf_counter()
        print(
            f"stages: data {t1 - t0:.1f} s, json+csv {t2 - t1:.1f} s, pdf {t3 - t2:.1f} s, "
            f"un pdf {t4 - t3:.1f} s"
        )
        t = time.perf_counter()
    made, files = dossier.build(
        chosen, dossier.Filters(), profile, title="Bench", recipient="R", language="en"
    )
    wall = time.perf_counter() - t
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    print(
        f"dossier over {args.dossier_cases} cases ({made.summary['acts']} acts, "
        f"{made.summary['victims']} victims): {wall:.1f} s wall, CPU "
        f"{own.ru_utime + own.ru_stime - cpu[0].ru_utime - cpu[0].ru_stime:.1f} s here + "
        f"{children.ru_utime + children.ru_stime - cpu[1].ru_utime - cpu[1].ru_stime:.1f} s "
        f"in child processes; load {os.getloadavg()}; "
        + ", ".join(f"{name} {len(content) // 1024} KiB" for name, content in sorted(files.items()))
    )


if __name__ == "__main__":
    main()
