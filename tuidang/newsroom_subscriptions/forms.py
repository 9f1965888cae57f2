from django import forms
from django.utils.translation import gettext_lazy as _

from tuidang.newsroom_subscriptions.models import Frequency


class FollowForm(forms.Form):
    address = forms.EmailField(label=_("Your e-mail address"), max_length=254)
    frequency = forms.ChoiceField(
        label=_("How often"),
        choices=Frequency.choices,
        initial=Frequency.POST,
        widget=forms.RadioSelect,
    )
