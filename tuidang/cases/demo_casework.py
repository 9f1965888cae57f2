"""Invented people at risk for ``tuidang demo``: codenames, stays, moves, applications.

Nothing here describes a real person. Dates are relative to today, so the demo always shows
a legal stay ending within 7 days (Crane), an interview coming (Heron), a forced return and a
missed check-in (Egret), an overdue reply (Kite), and quieter cases.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from tuidang.cases import alerts
from tuidang.cases.models import (
    Case,
    CaseTask,
    CheckIn,
    CheckInPlan,
    Contact,
    LegalStay,
    MovementLeg,
    ProtectionApplication,
)

A = ProtectionApplication
CODENAMES = ("Crane", "Heron", "Egret", "Kite", "Swift", "Wren")


@transaction.atomic
def fill_casework(owner: User, backup: User) -> list[Case]:
    """Six people at risk owned by ``owner`` with ``backup``; returns their cases (none if
    they are there already: ``demo --force`` runs on a filled instance)."""
    if Case.objects.filter(codename__in=CODENAMES).exists():
        return []
    now = timezone.now()
    today = timezone.localdate()
    days = timedelta

    def case(codename: str, risk: str, country: str) -> Case:
        return Case.objects.create(
            codename=codename,
            kind=Case.Kind.AT_RISK,
            owner=owner,
            backup=backup,
            risk=risk,
            current_country=country,
        )

    crane = case("Crane", Case.Risk.CRITICAL, "CN-HK")
    LegalStay.objects.create(
        case=crane,
        status=LegalStay.Status.VISA_FREE,
        country="CN-HK",
        document="Visitor stay, 7 days left (demo)",
        valid_until=today + days(6),
        notes="Second asylum claim refused; must leave or be removed.",
        recorded=now - days(1),
    )
    MovementLeg.objects.create(
        case=crane,
        kind=MovementLeg.Kind.FLIGHT,
        from_country="CN",
        to_country="CN-HK",
        left_on=today - days(200),
        arrived_on=today - days(200),
    )
    for refused_on in (today - days(120), today - days(20)):
        A.objects.create(
            case=crane,
            kind=A.Kind.ASYLUM,
            country="CN-HK",
            authority="Immigration (demo)",
            reference=f"DEMO-{refused_on:%y%m%d}",
            status=A.Status.DECIDED,
            submitted_on=refused_on - days(60),
            decision=A.Decision.REFUSED,
            decided_on=refused_on,
        )
    Contact.objects.create(
        case=crane,
        party_kind=Contact.PartyKind.UNHCR,
        party="Regional office (demo)",
        channel=Contact.Channel.EMAIL,
        contacted_on=today - days(3),
        summary="Asked whether a claim can be lodged in a third country.",
        reply_expected_by=today + days(2),
    )
    CaseTask.objects.create(
        case=crane, title="Plan the route and a safe place to stay", due_on=today + days(2)
    )
    CheckInPlan.objects.create(case=crane, every_hours=24, grace_hours=4, started=now - days(3))
    CheckIn.objects.create(case=crane, at=now - timedelta(hours=5), channel="message")

    heron = case("Heron", Case.Risk.HIGH, "TH")
    LegalStay.objects.create(
        case=heron, status=LegalStay.Status.ASYLUM_SEEKER, country="TH", notes="Holds a UNHCR slip."
    )
    MovementLeg.objects.create(
        case=heron,
        kind=MovementLeg.Kind.FLIGHT,
        from_country="CN-HK",
        to_country="TH",
        left_on=today - days(90),
        arrived_on=today - days(89),
    )
    A.objects.create(
        case=heron,
        kind=A.Kind.UNHCR,
        country="TH",
        authority="UNHCR (demo)",
        reference="DEMO-RSD-0042",
        status=A.Status.INTERVIEW,
        submitted_on=today - days(80),
        interview_on=today + days(12),
    )

    egret = case("Egret", Case.Risk.CRITICAL, "CN")
    MovementLeg.objects.create(
        case=egret,
        kind=MovementLeg.Kind.DEPORTATION,
        from_country="LA",
        to_country="CN",
        left_on=today - days(15),
        arrived_on=today - days(15),
        notes="Handed over at the border; family informed.",
    )
    CheckInPlan.objects.create(case=egret, every_hours=48, grace_hours=6, started=now - days(10))
    CheckIn.objects.create(case=egret, at=now - days(5), channel="third_party")

    kite = case("Kite", Case.Risk.MEDIUM, "TR")
    LegalStay.objects.create(
        case=kite,
        status=LegalStay.Status.RESIDENCE,
        country="TR",
        valid_until=today + days(75),
    )
    A.objects.create(
        case=kite,
        kind=A.Kind.RESETTLEMENT,
        country="CA",
        authority="Sponsor group (demo)",
        status=A.Status.SUBMITTED,
        submitted_on=today - days(40),
    )
    Contact.objects.create(
        case=kite,
        party_kind=Contact.PartyKind.EMBASSY,
        party="Visa section (demo)",
        channel=Contact.Channel.LETTER,
        contacted_on=today - days(30),
        summary="Letter of support for the resettlement file.",
        reply_expected_by=today - days(9),
    )

    swift = case("Swift", Case.Risk.MEDIUM, "CN-TW")
    LegalStay.objects.create(
        case=swift, status=LegalStay.Status.VISA, country="CN-TW", valid_until=today + days(25)
    )
    A.objects.create(
        case=swift,
        kind=A.Kind.VISA,
        country="CN-TW",
        status=A.Status.PREPARING,
    )

    wren = case("Wren", Case.Risk.LOW, "DE")
    LegalStay.objects.create(case=wren, status=LegalStay.Status.REFUGEE, country="DE")
    MovementLeg.objects.create(
        case=wren,
        kind=MovementLeg.Kind.RESETTLEMENT,
        from_country="TH",
        to_country="DE",
        left_on=today - days(400),
        arrived_on=today - days(400),
    )
    alerts.raise_due(now)
    return [crane, heron, egret, kite, swift, wren]
