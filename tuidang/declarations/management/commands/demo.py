"""``tuidang demo``: fill an empty instance with two years of invented declarations.

Everything is made up here: aliases from syllable lists, statements from templates, dates
from a curve with growth, a weekly rhythm and a few spikes. Every submission goes through
``Submission.objects.submit`` (and ``reject``), so moderation and the tally counters behave
exactly as with real traffic. Then it makes a staff account ``demo`` (admin role, TOTP second
factor) and prints how to log in.
"""

import base64
import io
import math
import random
import secrets
import tempfile
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path

import segno
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tuidang.conf import data_dir
from tuidang.declarations import contacts
from tuidang.declarations.models import (
    Channel,
    Flag,
    Organisation,
    RejectionReason,
    Submission,
)
from tuidang.hotline.models import Call, CallOutcome

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉浩宇轩然"
    "梓涵欣怡晨阳子豪一诺佳琪思远文博雨萱志强建国海燕春梅秋菊冬青立新振华德明永红"
)
NATURE = list("清明晨晓春秋云风雪月星光山川海林松竹兰梅溪泉晴霞虹远安宁")
SPIRIT = list("心觉醒悟真善忍正义和平自由新生归诚信")
TITLES = ["先生", "女士", "某", "老师", "大哥", "阿姨", "同学"]
LATIN = [
    "Lily", "David", "Grace", "Kevin", "Annie", "Jason", "Helen", "Tony", "Amy", "Eric",
    "Vivian", "Frank", "Joyce", "Peter", "Cindy", "Leo", "Ivy", "Sam",
]  # fmt: skip

# Share of population (millions, rounded) of each province: where declarants live.
PROVINCE_WEIGHTS = {
    "CN-GD": 127, "CN-SD": 102, "CN-HA": 99, "CN-JS": 85, "CN-SC": 84, "CN-HE": 75,
    "CN-HN": 66, "CN-ZJ": 65, "CN-AH": 61, "CN-HB": 58, "CN-GX": 50, "CN-YN": 47,
    "CN-JX": 45, "CN-LN": 43, "CN-FJ": 42, "CN-SN": 40, "CN-GZ": 39, "CN-SX": 35,
    "CN-CQ": 32, "CN-HL": 31, "CN-XJ": 26, "CN-SH": 25, "CN-GS": 25, "CN-NM": 24,
    "CN-JL": 24, "CN-TW": 23, "CN-BJ": 22, "CN-TJ": 14, "CN-HI": 10, "CN-HK": 7,
    "CN-NX": 7, "CN-QH": 6, "CN-XZ": 4, "CN-MO": 1,
}  # fmt: skip
COUNTRY_WEIGHTS = {
    "US": 30, "CA": 14, "AU": 12, "GB": 9, "JP": 8, "MY": 6, "DE": 5, "NZ": 4, "FR": 4,
    "KR": 3, "TH": 3, "SG": 3, "IT": 2, "NL": 2, "SE": 1,
}  # fmt: skip
ABROAD_SHARE = 0.10
UNKNOWN_REGION_SHARE = 0.04
CHANNEL_WEIGHTS = {
    Channel.WEB: 80, Channel.API: 3, Channel.PHONE: 8, Channel.EMAIL: 4, Channel.FAX: 1,
    Channel.POST: 2, Channel.HELPER: 2,
}  # fmt: skip
FAMILY_SHARE = 0.15
PENDING_SHARE = 0.02
REJECTED_SHARE = 0.02
STATEMENT_SHARE = 0.7
# Which organisations one person quits, with how often: most joined the Pioneers as children.
ORGANISATION_SETS = [
    (("pioneers",), 30),
    (("league", "pioneers"), 38),
    (("party", "league", "pioneers"), 20),
    (("league",), 6),
    (("party",), 6),
]
ORG_WORDS = {"party": "中共", "league": "共青团", "pioneers": "少先队"}
# Weekday rhythm, Monday first: people declare more at the weekend, when they have time.
WEEKDAY_FACTORS = [0.9, 0.85, 0.85, 0.9, 1.0, 1.3, 1.25]

OPENINGS = [
    "本人{name}郑重声明：", "我叫{name}，", "{name}在此声明，", "我是{place}的{name}，",
    "{name}：", "我，{name}，", "声明人{name}：",
]  # fmt: skip
BODIES = [
    "退出{orgs}，从此与其一刀两断。",
    "{year}年入{first}时只是个孩子，今天正式退出{orgs}。",
    "宣布退出曾经加入的{orgs}，以前宣的誓作废。",
    "看清了真相，决定退出{orgs}，不再做它的一员。",
    "当年被迫加入{orgs}，现在声明全部退出。",
    "退出{orgs}，愿家人平安。",
    "郑重退出{orgs}，抹去身上的印记。",
]
CLOSINGS = [
    "", "", "愿天下人都能明白真相。", "一切都是自愿的。", "从今以后心安了。",
    "希望更多人早日觉醒。", "谢谢你们的帮助。", "愿中华早日迎来自由。",
]  # fmt: skip
ENGLISH = [
    "I, {name}, hereby quit the {orgs} I joined in {year}.",
    "{name} declares that I renounce my membership of the {orgs}.",
    "I joined the {orgs} as a child. Today I, {name}, leave it for good.",
]
ENGLISH_ORGS = {"party": "Party", "league": "Youth League", "pioneers": "Young Pioneers"}
REJECTED = [
    (RejectionReason.SPAM, "买{place}代开发票请联系", "advertising"),
    (RejectionReason.ABUSE, "你们这些人迟早要被清算", "threatening message"),
    (RejectionReason.NOT_A_DECLARATION, "请问怎么申请签证？", "a question, answered by e-mail"),
    (RejectionReason.TEST, "测试测试 test", "a volunteer's test entry"),
]
CALL_NOTES = {
    CallOutcome.QUESTION: ["问退党后会不会有影响", "问能否替父母声明", "问化名是否有效"],
    CallOutcome.HANG_UP: ["接通后无声", "说了两句就挂断"],
    CallOutcome.HARASSMENT: ["来电辱骂志愿者", "反复来电播放噪音"],
    CallOutcome.THREAT: ["威胁要查出志愿者住址，已报告负责人"],
}


class Command(BaseCommand):
    help = "Fill an empty instance with invented declarations and make a demo staff account."

    def add_arguments(self, parser):
        parser.add_argument("--declarations", type=int, default=20_000,
                            help="how many people to declare (default 20000)")  # fmt: skip
        parser.add_argument("--days", type=int, default=730, help="spread over this many days")
        parser.add_argument("--seed", type=int, default=None, help="random seed (repeatable data)")
        parser.add_argument("--force", action="store_true",
                            help="add demo data even though the instance has declarations")  # fmt: skip
        parser.add_argument("--url", default="http://127.0.0.1:8000/",
                            help="where the site is served, for the printed login link")  # fmt: skip
        parser.add_argument(
            "--contacts-key-dir",
            type=Path,
            default=None,
            help="where to write the private key of a demo key pair for contact details, when "
            "the server has no public key yet (default: a new temporary directory; never "
            "inside the data directory)",
        )

    def handle(self, *args, declarations: int, days: int, seed, force: bool, url: str, **options):
        if declarations < 1 or days < 1:
            raise CommandError("--declarations and --days must be at least 1.")
        # A fresh data directory has no tables yet; `tuidang serve` would make them, but the
        # demo is often the first command someone runs.
        call_command("migrate", interactive=False, verbosity=0)
        if Submission.objects.exists() and not force:
            raise CommandError(
                "This instance already has declarations; the demo fills only an empty one. "
                "Use --force to add invented data to it anyway."
            )
        self.contacts_demo_key(options["contacts_key_dir"])
        self.random = random.Random(seed)
        self.organisations = {o.slug: o for o in Organisation.objects.filter(active=True)}
        started = timezone.now()
        admin, password, device = self.make_admin()
        volunteer = self.make_staff("demo-volunteer", "volunteer")
        moderator = self.make_staff("demo-moderator", "moderator")
        self.helper = self.make_staff("demo-helper", "helper")
        with override_settings(RATE_LIMITS=False):
            people = self.declare(declarations, days, volunteer, moderator)
        self.make_calls(days, volunteer)
        self.make_cases(admin)
        self.casework_demo(admin)
        from tuidang.newsroom import demo as news_demo

        editor = self.make_staff("demo-editor", "editor")
        news = news_demo.fill(self.random, editor)
        logged = self.run_sequencer()
        elapsed = (timezone.now() - started).total_seconds()
        self.stdout.write(
            f"tuidang demo: {people} people declared over {days} days in {elapsed:.0f} s"
            + (f"; {logged} logged" if logged is not None else "")
            + f"; {news} news articles."
        )
        # Comments and followers for the newsroom's articles; run after they are made.
        from tuidang.newsroom_comments import demo as newsroom_mail_demo

        self.stdout.write(newsroom_mail_demo.fill(self.random, moderator))
        self.print_batches()
        self.print_login(url, admin, password, device)

    # --- Cases (issue 10) -----------------------------------------------------------------

    def make_cases(self, owner: User) -> None:
        from tuidang.cases.demo import fill

        self.make_staff("demo-researcher", "researcher")  # a second person, to approve dossiers
        self.stdout.write(fill(owner))

    # --- People at risk (tuidang/cases/demo_casework.py) -----------------------------------

    def casework_demo(self, admin: User) -> None:
        """Invented people at risk, owned by the demo admin with a demo caseworker as backup
        (so the admin's casework page shows them and their alerts)."""
        from tuidang.cases import secrecy
        from tuidang.cases.demo_casework import fill_casework

        if not secrecy.has_key():
            try:
                path = secrecy.make_key()
            except (ValueError, OSError) as error:
                self.stdout.write(f"tuidang demo: no people at risk: {error}")
                return
            self.stdout.write(
                f"tuidang demo: made a key for case files at {path} (outside the data dir); "
                "keep a copy offline before real use (docs/cases.md)."
            )
        caseworker = self.make_staff("demo-caseworker", "caseworker")
        cases = fill_casework(admin, caseworker)
        if not cases:
            self.stdout.write("tuidang demo: the demo people at risk are there already.")
            return
        self.stdout.write(
            f"tuidang demo: {len(cases)} people at risk (casework), among them "
            f"{cases[0].codename}, whose legal stay ends in 6 days."
        )

    # --- Contact details ----------------------------------------------------------------

    def contacts_demo_key(self, directory: Path | None) -> None:
        """Give the server a public key for contact details, so the feature can be tried.

        A real deployment makes its pair with `tuidang contacts keygen` on an offline machine.
        Here the private half goes outside the data directory (whose backups must never hold
        it, and where `tuidang serve` refuses to start beside it) and is named on the screen.
        """
        if contacts.public_key() is not None:
            self.stdout.write(contacts.key_status())
            return
        if directory is None:
            directory = Path(tempfile.mkdtemp(prefix="tuidang-demo-contacts-"))
        directory = directory.resolve()
        if directory.is_relative_to(data_dir()):
            raise CommandError(
                f"{directory} is inside the data directory; the private key must be kept "
                "outside it (choose another --contacts-key-dir)."
            )
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        private = directory / "contacts-private.key"
        try:
            key = contacts.make_keypair(contacts.public_key_path(), private)
        except OSError as error:
            raise CommandError(f"Cannot write {error.filename}: {error.strerror}") from None
        self.stdout.write(
            "tuidang demo: made a key pair for contact details, FOR TRYING ONLY.\n"
            f"  public key (the server seals to it): {contacts.public_key_path()}\n"
            f"  private key (opens them):            {private}\n"
            f"  fingerprint: {contacts.fingerprint(key)}\n"
            f"  open the demo contacts with: tuidang contacts reveal --key {private}\n"
            "WARNING: this private key was made on the server. Never seal real contact details "
            "to it: before real use, delete both files and give the server the public half of a "
            "pair made with `tuidang contacts keygen` on an offline machine.\n"
        )

    def print_batches(self) -> None:
        """The demo logged everything at once; a served site logs in batches (docs/privacy.md)."""
        self.stdout.write(
            f"The log takes new declarations in shuffled batches every {settings.LOG_INTERVAL:g} s"
            f" (TUIDANG_LOG_INTERVAL). To see your own declarations appear while trying the demo,"
            f" serve it with TUIDANG_LOG_INTERVAL=60 TUIDANG_LOG_MIN_BATCH=1; never in production."
        )

    # --- Staff ----------------------------------------------------------------------------

    def make_admin(self) -> tuple[User, str, TOTPDevice]:
        password = secrets.token_urlsafe(15)
        user = self.make_staff("demo", "admin")
        user.set_password(password)
        user.save(update_fields=["password"])
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name="demo", confirmed=True)
        return user, password, device

    def make_staff(self, username: str, role: str) -> User:
        user, created = User.objects.get_or_create(username=username, defaults={"is_staff": True})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role))
        return user

    def print_login(self, url: str, user: User, password: str, device: TOTPDevice) -> None:
        uri = device.config_url
        secret = base64.b32encode(device.bin_key).decode()
        qr = io.StringIO()
        segno.make(uri).terminal(out=qr, compact=True)
        self.stdout.write(
            f"\nLog in at {url.rstrip('/')}/zh-hans/staff/login/\n"
            f"  username: {user.username}\n"
            f"  password: {password}\n"
            f"  authenticator secret (base32): {secret}\n"
            f"  {uri}\n"
            "Scan this with an authenticator app, or type the secret into it:\n"
        )
        self.stdout.write(qr.getvalue(), ending="")

    # --- Declarations -----------------------------------------------------------------------

    def daily_counts(self, total: int, days: int) -> list[int]:
        """People per day: growth from 1x to 2.5x, weekly rhythm, noise and a few spikes."""
        today = timezone.localdate()
        first = today - timedelta(days=days - 1)
        spikes = set(self.random.sample(range(days), k=min(days, max(1, days // 90))))
        weights = []
        for i in range(days):
            day = first + timedelta(days=i)
            weight = (1 + 1.5 * i / max(1, days - 1)) * WEEKDAY_FACTORS[day.weekday()]
            weight *= math.exp(self.random.gauss(0, 0.15))
            if i in spikes:
                weight *= self.random.uniform(3, 6)
            weights.append(weight)
        scale = total / sum(weights)
        counts = [int(w * scale) for w in weights]
        # Hand out what rounding left over, to the busiest days first.
        for i in sorted(range(days), key=lambda i: -weights[i])[: total - sum(counts)]:
            counts[i] += 1
        return counts

    def declare(self, total: int, days: int, volunteer: User, moderator: User) -> int:
        counts = self.daily_counts(total, days)
        first = timezone.localdate() - timedelta(days=days - 1)
        special = Counter(
            {"pending": max(1, round(total * PENDING_SHARE)),
             "rejected": max(1, round(total * REJECTED_SHARE))}
        )  # fmt: skip
        special_days = self.random.choices(range(days), k=sum(special.values()))
        kinds = ["pending"] * special["pending"] + ["rejected"] * special["rejected"]
        self.random.shuffle(kinds)
        extra: dict[int, list[str]] = {}
        for day_index, kind in zip(special_days, kinds, strict=True):
            extra.setdefault(day_index, []).append(kind)

        stamps: list[tuple[int, datetime]] = []
        declared = 0
        recent: list[dict] = []
        for day_index, count in enumerate(counts):
            day = first + timedelta(days=day_index)
            # One transaction a day: on SQLite that is one disk sync instead of hundreds.
            with transaction.atomic():
                remaining = count
                while remaining > 0:
                    size = self.family_size(remaining)
                    people = [self.person() for _ in range(size)]
                    submission = self.submit(people, day, volunteer)
                    if submission.flags == [Flag.STAFF_ENTERED]:
                        # Four eyes: what the volunteer typed in, the moderator accepts.
                        submission.accept(by=moderator)
                    if submission.status == "accepted":
                        declared += size
                    recent.append(people[0])
                    recent = recent[-50:]
                    stamps.append((submission.pk, self.moment(day)))
                    remaining -= size
                for kind in extra.get(day_index, []):
                    submission = self.submit_flagged(kind, day, recent, volunteer, moderator)
                    stamps.append((submission.pk, self.moment(day)))
        self.backdate(stamps)
        return declared

    def family_size(self, remaining: int) -> int:
        if remaining >= 2 and self.random.random() < FAMILY_SHARE / 2:
            # Half the families count, since each family is several people: ~15% of people.
            return min(remaining, self.random.choice([2, 2, 3, 3, 3, 4, 5]))
        return 1

    def person(self, abroad: bool | None = None) -> dict:
        region = self.region() if abroad is None else self.country()
        orgs = self.random.choices(
            [s for s, _ in ORGANISATION_SETS], weights=[w for _, w in ORGANISATION_SETS]
        )[0]
        orgs = (
            tuple(slug for slug in orgs if slug in self.organisations)
            or tuple(self.organisations)[:1]
        )
        english = len(region) == 2 and self.random.random() < 0.3
        name = self.alias(latin=english)
        statement = ""
        if self.random.random() < STATEMENT_SHARE:
            statement = self.english(name, orgs) if english else self.chinese(name, orgs, region)
        return {
            "name": name,
            "organisations": [self.organisations[slug] for slug in orgs],
            "statement": statement,
            "region": region,
        }

    def region(self) -> str:
        roll = self.random.random()
        if roll < UNKNOWN_REGION_SHARE:
            return ""
        if roll < UNKNOWN_REGION_SHARE + ABROAD_SHARE:
            return self.country()
        provinces, weights = zip(*PROVINCE_WEIGHTS.items(), strict=True)
        return self.random.choices(provinces, weights=weights)[0]

    def country(self) -> str:
        countries, weights = zip(*COUNTRY_WEIGHTS.items(), strict=True)
        return self.random.choices(countries, weights=weights)[0]

    def alias(self, latin: bool = False) -> str:
        r = self.random
        if latin:
            return f"{r.choice(LATIN)} {r.choice('BCDHKLMSTWXYZ')}."
        style = r.random()
        if style < 0.45:
            return r.choice(SURNAMES) + "".join(r.choices(GIVEN, k=r.choice([1, 2, 2])))
        if style < 0.65:
            return r.choice(SURNAMES) + r.choice(TITLES)
        if style < 0.9:
            return r.choice(NATURE) + r.choice(NATURE + SPIRIT) + r.choice(["", "", "人", "子"])
        return r.choice(SPIRIT) + r.choice(NATURE) + str(r.randint(1, 99))

    def chinese(self, name: str, orgs: tuple[str, ...], region: str) -> str:
        from tuidang.declarations import regions

        r = self.random
        words = "、".join(ORG_WORDS[slug] for slug in orgs)
        place = regions.name(region) if region else "大陆"
        year = r.randint(1975, 2015)
        return (
            r.choice(OPENINGS).format(name=name, place=place)
            + r.choice(BODIES).format(orgs=words, year=year, first=ORG_WORDS[orgs[-1]])
            + r.choice(CLOSINGS)
        )

    def english(self, name: str, orgs: tuple[str, ...]) -> str:
        words = " and the ".join(ENGLISH_ORGS[slug] for slug in orgs)
        year = self.random.randint(1975, 2015)
        return self.random.choice(ENGLISH).format(name=name, orgs=words, year=year)

    def channel_fields(self, volunteer: User) -> dict:
        channels, weights = zip(*CHANNEL_WEIGHTS.items(), strict=True)
        channel = self.random.choices(channels, weights=weights)[0]
        by_volunteer = channel not in (Channel.WEB, Channel.API)
        return {
            "channel": channel,
            "entered_by": (self.helper if channel == Channel.HELPER else volunteer)
            if by_volunteer
            else None,
            "client_key": None if by_volunteer else secrets.token_hex(16),
            "language": ""
            if by_volunteer
            else self.random.choice(["zh-hans"] * 8 + ["zh-hant", "en"]),
        }

    def submit(self, people: list[dict], day: date, volunteer: User) -> Submission:
        fields = self.channel_fields(volunteer)
        # About 3% leave a contact; the first one always, so that even a small demo has one
        # to try `contacts reveal` on whatever the seed.
        if self.random.random() < 0.03 or not getattr(self, "contact_given", False):
            fields["contact"] = f"{self.random.randint(10**9, 10**10 - 1)}@example.invalid"
            self.contact_given = True
        submission, _code = Submission.objects.submit(people=people, declared_on=day, **fields)
        return submission

    def submit_flagged(self, kind, day, recent, volunteer, moderator) -> Submission:
        """A submission moderation holds: a repeat of a recent person, or one with a link."""
        if kind == "pending":
            if recent and self.random.random() < 0.7:
                people = [dict(self.random.choice(recent))]
            else:
                person = self.person()
                person["statement"] = (person["statement"] + " 转发 www.example.com").strip()
                people = [person]
            return self.submit(people, day, volunteer)
        reason, text, note = self.random.choice(REJECTED)
        person = self.person()
        person["statement"] = text.format(place="北京") + " www.example.com"
        submission = self.submit([person], day, volunteer)
        submission.reject(reason, by=moderator, note=note)
        return submission

    def moment(self, day: date) -> datetime:
        # Arrival times follow the declarants' evening in China (UTC+8), mostly.
        hour = min(23, max(0, int(self.random.gauss(13, 5))))
        at = datetime.combine(day, time(hour, self.random.randrange(60), self.random.randrange(60)))
        return min(timezone.make_aware(at, timezone.get_current_timezone()), timezone.now())

    def backdate(self, stamps: list[tuple[int, datetime]]) -> None:
        """Arrival times in the past, written after the fact (moderation ran against "now")."""
        rows = [Submission(pk=pk, created_at=at) for pk, at in stamps]
        with transaction.atomic():
            Submission.objects.bulk_update(rows, ["created_at"], batch_size=500)

    # --- Hotline and the log -------------------------------------------------------------------

    def make_calls(self, days: int, volunteer: User) -> None:
        calls = []
        phoned = Submission.objects.filter(channel=Channel.PHONE).order_by("?")[:40]
        for submission in phoned:
            calls.append(
                Call(taken_by=volunteer, taken_at=submission.created_at,
                     outcome=CallOutcome.DECLARATION, submission=submission)
            )  # fmt: skip
        now = timezone.now()
        for outcome, notes in CALL_NOTES.items():
            for _ in range({CallOutcome.QUESTION: 25, CallOutcome.HANG_UP: 15}.get(outcome, 6)):
                calls.append(
                    Call(
                        taken_by=volunteer,
                        taken_at=now - timedelta(minutes=self.random.randrange(days * 1440)),
                        outcome=outcome,
                        notes=self.random.choice(notes),
                    )
                )
        Call.objects.bulk_create(calls)

    def run_sequencer(self) -> int | None:
        """Log and count everything accepted, where this version has the log's sequencer."""
        try:
            from tuidang.declarations import sequencer
        except ImportError:
            return None
        return sequencer.run_until_idle()
