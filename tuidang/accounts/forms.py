"""The staff login (password and TOTP code in one step) and the audit log's filters."""

from typing import cast

import django_otp
from django import forms
from django.contrib.auth import authenticate, get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from tuidang import privacy
from tuidang.accounts import passkeys, throttling
from tuidang.accounts.actions import ACTION_LABELS
from tuidang.accounts.decorators import has_role
from tuidang.accounts.models import AuditEvent

# One message for a wrong name, password or code, so that the answer tells an attacker
# nothing about which of the three was wrong.
WRONG_CREDENTIALS = _(
    "The user name, password or code is not right. Check them and try again; "
    "the code changes every 30 seconds."
)
NO_DEVICE = _(
    "This account has no second factor yet, so it cannot log in. Ask an admin to enrol you "
    "(they run “tuidang createstaff --reset-totp” with your user name)."
)
NOT_STAFF = _("This account is not a staff account.")


class CodeField(forms.RegexField):
    def to_python(self, value):
        # Authenticator apps show "123 456"; people paste it like that.
        return "".join(str(value or "").split())


# The id of the login form's own error message (login.html), which the user name field names.
LOGIN_ERROR_ID = "id_login_error"


class LoginForm(forms.Form):
    """User name, password, and a second factor: a TOTP code, or a passkey's assertion.

    The passkey travels in the hidden ``passkey`` field, filled by ``accounts/passkeys.js``;
    without JavaScript the code is the way in. Both go through the same throttles (see
    ``tuidang.accounts.throttling``), which are checked before the password is hashed.
    """

    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = CodeField(
        label=_("Code from your authenticator app"),
        regex=r"^\d{6}$",
        required=False,
        error_messages={"invalid": _("Enter the 6 digits your authenticator app shows.")},
        help_text=_("6 digits, for example 123456."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "maxlength": "7",
                "required": True,
            }
        ),
    )
    passkey = forms.CharField(required=False, max_length=16384, widget=forms.HiddenInput)

    def __init__(self, request, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = None
        self.device = None
        # Why a login with a well-formed name, password and factor was refused (for the audit
        # log), and the account it named if that exists.
        self.refusal: str | None = None
        self.account = None
        # Set when a throttle refused the attempt before anything was checked.
        self.wait: throttling.Wait | None = None
        # Set when this failure started (or lengthened) a back-off for this client.
        self.backoff: throttling.Wait | None = None

    def full_clean(self) -> None:
        super().full_clean()
        # The error summary sends a refused login to the user name field; the message that
        # says why (a form-level one: which of name, password or code was wrong is not told)
        # is tied to that field too, so a screen reader reads it there (login.html).
        if self.non_field_errors():
            bound = self["username"]
            described = [LOGIN_ERROR_ID, *(bound.aria_describedby or "").split()]
            self.fields["username"].widget.attrs["aria-describedby"] = " ".join(described)

    def clean(self):
        cleaned = self.cleaned_data
        if self.errors:
            return cleaned
        if not cleaned["code"] and not cleaned["passkey"]:
            raise forms.ValidationError(
                self.fields["code"].error_messages["invalid"], code="no_factor"
            )
        username, password = cleaned["username"], cleaned["password"]
        client = privacy.key_of(self.request)
        # Everything before authenticate() is cheap: no hashing until every throttle agrees.
        self.wait = throttling.spend_client_budget(client) or throttling.backoff(
            username, client, throttling.trusted_device(self.request, username)
        )
        if self.wait:
            self.refusal = "throttled"
            self.account = get_user_model().objects.filter(username=username).first()
            raise forms.ValidationError(wait_message(self.wait), code="throttled")
        user = authenticate(self.request, username=username, password=password)
        self.account = user or get_user_model().objects.filter(username=username).first()
        if user is None:
            return self._fail("credentials")
        if cleaned["passkey"]:
            device = passkeys.verify_login(self.request, user, cleaned["passkey"])
            if device is None:
                return self._fail("passkey")
        else:
            totp = list(TOTPDevice.objects.devices_for_user(user, confirmed=True))
            if not totp:
                self.refusal = "no_device"
                raise forms.ValidationError(NO_DEVICE, code="no_device")
            device = next(
                (
                    d
                    for d in totp
                    if django_otp.verify_token(user, d.persistent_id, cleaned["code"])
                ),
                None,
            )
            if device is None:
                return self._fail("code")
        # Checked last, once both factors passed, so this answer is no oracle for passwords.
        if not (user.is_staff and has_role(user)):
            self.refusal = "not_staff"
            raise forms.ValidationError(NOT_STAFF, code="not_staff")
        self.user, self.device = user, device
        return cleaned

    def _fail(self, reason: str):
        self.refusal = reason
        self.backoff = throttling.record_failure(
            self.cleaned_data["username"], privacy.key_of(self.request)
        )
        raise forms.ValidationError(WRONG_CREDENTIALS, code="invalid_login")


def wait_message(wait: throttling.Wait) -> str:
    if wait.layer == "client":
        return ngettext(
            "Too many login attempts from your connection. Try again in %(seconds)d second.",
            "Too many login attempts from your connection. Try again in %(seconds)d seconds.",
            wait.seconds,
        ) % {"seconds": wait.seconds}
    return ngettext(
        "Too many failed logins for this account. Nothing was checked: try again in "
        "%(seconds)d second.",
        "Too many failed logins for this account. Nothing was checked: try again in "
        "%(seconds)d seconds.",
        wait.seconds,
    ) % {"seconds": wait.seconds}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class AuditFilterForm(forms.Form):
    """Filters of the audit log; every field is optional and they combine with AND."""

    actor = forms.ModelChoiceField(
        label=pgettext_lazy("accounts", "Who"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Anyone"),
    )
    action = forms.ChoiceField(label=pgettext_lazy("accounts", "Action"), required=False)
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object number"), required=False, max_length=64)
    since = forms.DateField(label=_("From (date)"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Until (date, inclusive)"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        User = get_user_model()
        actor_ids = AuditEvent.objects.exclude(actor=None).values("actor_id").distinct()
        actor_field = cast(forms.ModelChoiceField, self.fields["actor"])
        actor_field.queryset = User.objects.filter(pk__in=actor_ids).order_by("username")
        recorded = set(AuditEvent.objects.values_list("action", flat=True).distinct())
        codes = sorted(recorded | set(ACTION_LABELS))
        cast(forms.ChoiceField, self.fields["action"]).choices = [
            ("", _("Any action")),
            *((code, f"{ACTION_LABELS.get(code, code)} ({code})") for code in codes),
        ]
        types = (
            AuditEvent.objects.exclude(object_type="")
            .values_list("object_type", flat=True)
            .distinct()
            .order_by("object_type")
        )
        cast(forms.ChoiceField, self.fields["object_type"]).choices = [
            ("", _("Any type")),
            *((t, t) for t in types),
        ]

    def clean(self):
        cleaned = self.cleaned_data
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError(
                _("The start date is after the end date."), code="date_order"
            )
        return cleaned

    def filter(self, events):
        """``events`` narrowed by the filters; none while the filters are invalid."""
        if not self.is_bound:
            return events
        if not self.is_valid():
            return events.none()
        data = self.cleaned_data
        if data["actor"]:
            events = events.filter(actor=data["actor"])
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["object_type"]:
            events = events.filter(object_type=data["object_type"])
        if data["object_id"]:
            events = events.filter(object_id=data["object_id"].strip())
        if data["since"]:
            events = events.filter(at__date__gte=data["since"])
        if data["until"]:
            events = events.filter(at__date__lte=data["until"])
        return events

    def active_filters(self) -> dict[str, str]:
        """The filters in use, as plain strings (what an export records about itself)."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {
            name: str(value.pk if hasattr(value, "pk") else value)
            for name, value in self.cleaned_data.items()
            if value
        }
