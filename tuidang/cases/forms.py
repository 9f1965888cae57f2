from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from tuidang.cases.models import Case, Team


class RevealForm(forms.Form):
    """Why identities are being opened: kept in the audit log with the viewing."""

    reason = forms.CharField(
        label=_("Why do you need to see the identities?"),
        max_length=300,
        help_text=_("Recorded in the audit log with your name, the case and the time."),
    )


class CaseForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ["codename", "kind", "risk", "backup", "team"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from tuidang.accounts.models import CASEWORKER, RESEARCHER

        backup = self.fields["backup"]
        team = self.fields["team"]
        assert isinstance(backup, forms.ModelChoiceField)
        assert isinstance(team, forms.ModelChoiceField)
        backup.queryset = (
            get_user_model()
            .objects.filter(is_active=True, groups__name__in=[RESEARCHER, CASEWORKER])
            .distinct()
        )
        team.queryset = Team.objects.all()
