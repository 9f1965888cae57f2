from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.base import PASSWORD


def current_code(user) -> str:
    """The code the user's authenticator app shows right now."""
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def login_form(user, code=None, password=PASSWORD, **extra) -> dict:
    return {
        "username": user.username,
        "password": password,
        "code": current_code(user) if code is None else code,
        **extra,
    }
