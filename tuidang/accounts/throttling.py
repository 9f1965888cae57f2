"""Login throttling per account, never per address.

Failures are counted in the cache under an HMAC of the normalised user name (so the cache
holds neither a name nor an address in clear). When one account collects
``LOGIN_FAILURE_LIMIT`` failures within one window of ``LOGIN_LOCKOUT_SECONDS`` (fixed
windows, see ``tuidang.ratelimit``), it is locked for a full
``LOGIN_LOCKOUT_SECONDS`` from that moment: even the right password and code are refused
until then. Unknown names are throttled exactly like real ones, so a lock reveals nothing
about which accounts exist.

The price of per-account locks is that anyone who knows a staff user name can lock that
person out for a while; the lock is short and every failure is in the audit log.
"""

import hashlib
import hmac
import unicodedata

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from tuidang import ratelimit

SCOPE = "login"


def normalise_username(username: str) -> str:
    return unicodedata.normalize("NFKC", username).strip().casefold()


def account_key(username: str) -> str:
    """A keyed hash of the user name: stable across days (a lock must outlive midnight)."""
    message = f"login-throttle:{normalise_username(username)}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]


def _lock_key(key: str) -> str:
    return f"login-lock:{key}"


def locked_until(username: str) -> float | None:
    """The Unix time at which the account's lock ends, or None if it is not locked."""
    until = cache.get(_lock_key(account_key(username)))
    # Compare explicitly rather than trust the cache's expiry alone, so a lock ends on time
    # whatever clock the cache backend keeps.
    if until is not None and until > timezone.now().timestamp():
        return until
    return None


def is_locked(username: str) -> bool:
    return locked_until(username) is not None


def record_failure(username: str) -> bool:
    """Count one failed login; True if this failure locked the account."""
    window = settings.LOGIN_LOCKOUT_SECONDS
    key = account_key(username)
    failures = ratelimit.hit(SCOPE, key, window)
    if failures < settings.LOGIN_FAILURE_LIMIT:
        return False
    # Callers refuse a locked account before checking anything, so no failure is counted
    # while it is locked and a lock is never stretched by an attacker who keeps trying.
    cache.set(_lock_key(key), timezone.now().timestamp() + window, timeout=window + 1)
    ratelimit.reset(SCOPE, key, window)
    return True


def clear(username: str) -> None:
    """Forget the failures of an account after a successful login."""
    key = account_key(username)
    ratelimit.reset(SCOPE, key, settings.LOGIN_LOCKOUT_SECONDS)
