"""``tuidang demo`` fills people at risk: at least five, one with a legal stay ending within 7 days."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.base import BaseTestCase, login_verified
from tuidang.cases.access import cases_for_user
from tuidang.cases.models import Case, CaseAlert, LegalStay, MovementLeg

pytestmark = pytest.mark.slow


class CaseworkDemoTests(BaseTestCase):
    def test_demo_fills_people_at_risk_the_admin_can_follow(self):
        out = io.StringIO()
        call_command("demo", "--declarations", "20", "--seed", "3", stdout=out)
        assert "6 people at risk" in out.getvalue()
        at_risk = Case.objects.at_risk()
        assert at_risk.count() >= 5
        today = timezone.localdate()
        ending = LegalStay.objects.current().filter(
            case__in=at_risk, valid_until__gte=today, valid_until__lte=today + timedelta(days=7)
        )
        assert ending.exists()
        assert MovementLeg.objects.filter(kind=MovementLeg.Kind.DEPORTATION).exists()
        assert CaseAlert.objects.filter(kind=CaseAlert.Kind.STAY_ENDING).exists()
        assert CaseAlert.objects.filter(kind=CaseAlert.Kind.CHECKIN_MISSED).exists()
        from django.contrib.auth.models import User

        admin = User.objects.get(username="demo")
        assert set(cases_for_user(admin)) >= set(at_risk)
        login_verified(self.client, admin)
        page = self.client.get("/en/cases/casework/")
        self.assertContains(page, "Crane")
        self.assertContains(page, "The legal stay ends in 6 days")
        # `demo --force` on a filled instance adds no second set.
        out = io.StringIO()
        call_command("demo", "--declarations", "5", "--force", stdout=out)
        assert "people at risk are there already" in out.getvalue()
        assert Case.objects.filter(codename="Crane").count() == 1
