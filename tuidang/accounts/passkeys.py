"""Passkeys (WebAuthn) as a second factor beside TOTP, on django-otp-webauthn's models.

django-otp-webauthn keeps the credentials (a django-otp ``Device``) and wraps py_webauthn's
ceremonies; its own JSON views are not mounted, because its login view logs a user in on the
passkey alone, outside the login form and so outside the back-off and the audit log. Here the
passkey's assertion travels in the login form beside the user name and password and is
checked where a TOTP code would be, after the throttles and the password.

A passkey is bound to its origin: a phishing site on another host can relay a password and a
TOTP code, but the browser will not sign a challenge for our relying-party id there.
"""

import json

from django.conf import settings
from django.db import transaction
from django_otp_webauthn.exceptions import OTPWebAuthnApiError
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import ResidentKeyRequirement

LOGIN_STATE = "tuidang_passkey_login_state"
REGISTER_STATE = "tuidang_passkey_register_state"


class PasskeyHelper(WebAuthnHelper):
    def get_discoverable_credentials_preference(self) -> ResidentKeyRequirement:
        # The login page asks for a passkey before it knows whose it is, so it cannot list an
        # account's credential ids (that would tell anyone which names have passkeys): only a
        # discoverable credential, which the authenticator finds by itself, can answer.
        return ResidentKeyRequirement.REQUIRED

    def get_relying_party_name(self) -> str:
        return settings.SITE_NAME


def _helper(request) -> PasskeyHelper:
    return PasskeyHelper(request)


def login_options(request) -> dict:
    """Options for ``navigator.credentials.get``; the challenge waits in the session."""
    # User verification is not required: the password is the first factor, the passkey
    # stands for possession, like the TOTP app it may replace.
    options, state = _helper(request).authenticate_begin(user=None, require_user_verification=False)
    request.session[LOGIN_STATE] = state
    return options


def verify_login(request, user, assertion: str) -> WebAuthnCredential | None:
    """The user's passkey that signed this session's challenge, or None.

    The challenge is taken from the session before anything else, so it serves one attempt
    only, whether that attempt succeeds or not.
    """
    state = request.session.pop(LOGIN_STATE, None)
    if not state:
        return None
    try:
        data = json.loads(assertion)
        with transaction.atomic():
            device = _helper(request).authenticate_complete(user=user, state=state, data=data)
    except (ValueError, TypeError, KeyError, OTPWebAuthnApiError, WebAuthnException):
        return None
    if not device.confirmed:
        return None
    return device


def registration_options(request) -> dict:
    options, state = _helper(request).register_begin(user=request.user)
    request.session[REGISTER_STATE] = state
    return options


def register(request, data: dict) -> WebAuthnCredential | None:
    """Verify a new credential for the logged-in user and keep it; None if it does not verify."""
    state = request.session.pop(REGISTER_STATE, None)
    if not state:
        return None
    try:
        with transaction.atomic():
            return _helper(request).register_complete(user=request.user, state=state, data=data)
    except (ValueError, TypeError, KeyError, OTPWebAuthnApiError, WebAuthnException):
        return None
