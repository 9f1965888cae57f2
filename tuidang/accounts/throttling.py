"""Login throttling that slows guessing down and never locks anyone out (NIST SP 800-63B 5.2.2).

Staff user names are no secret (every volunteer sees them on the call log), so no control here
may let someone who knows a name keep its owner out. Three layers, all checked before any
password is hashed, so that an attempt they refuse costs no CPU:

1. **Per client** (``LOGIN_ATTEMPTS_PER_MINUTE``): every login attempt from one
   ``request.client_key`` counts, whatever name it tries, known or unknown. Past the budget the
   client gets 429 until the minute is over. This bounds the CPU one client can spend on the
   password hasher (PBKDF2 costs ~0.4 s a try) and the guesses it can make on all accounts.

2. **Per (account, client)**: wrong passwords, codes and passkeys from one client against one
   account back off exponentially. The first ``LOGIN_BACKOFF_FREE_FAILURES`` are free (typos),
   then the client must wait 1, 2, 4, 8 … seconds after its last failure before the next
   attempt on that account is even checked, at most ``LOGIN_BACKOFF_MAX_SECONDS``. Because the
   count belongs to the pair, an attacker's failures slow only the attacker: the owner, from
   another client, logs in at once.

3. **Per account, a generous ceiling**: a distributed attacker changes client for every guess,
   so the pairs alone do not bound the guesses on one account. Once an account has collected
   ``LOGIN_ACCOUNT_FAILURES_PER_HOUR`` failures within an hour (from any clients), attempts on
   it wait ``LOGIN_ACCOUNT_BACKOFF_SECONDS`` after its last failure — a short, fixed delay that
   only slows (it caps guessing at a few hundred an hour) and is never a lock. A browser that
   has logged in to the account before carries a signed device cookie (OWASP's "device
   cookies", kept ``LOGIN_DEVICE_COOKIE_DAYS``) and skips this layer, so even a botnet that
   keeps the ceiling busy cannot keep the account's owner out from their usual browser; only
   layer 2 applies to it. The cookie proves nothing by itself: the password and the second
   factor are still checked.

Attempts refused by a layer are not counted as failures, so trying during a back-off does not
stretch it. A success clears the pair's failures only: the account-wide count stays, since an
owner's login says nothing about the guesses made elsewhere.

The cache holds neither a name nor an address: accounts are keyed by an HMAC of the normalised
user name under ``SECRET_KEY``, clients by ``request.client_key`` (see ``tuidang.privacy``).
Unknown names are throttled exactly like real ones, so the answers reveal nothing about which
accounts exist.
"""

import hashlib
import hmac
import math
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from tuidang import ratelimit

CLIENT_SCOPE = "login-client"
CLIENT_WINDOW = 60
ACCOUNT_WINDOW = 3600
# How long the failures of a pair are remembered after the last one.
PAIR_MEMORY = 86400

DEVICE_COOKIE = "tuidang_staff_device"
DEVICE_COOKIE_SALT = "tuidang.accounts.throttling.device"
# Accounts one browser remembers; shared computers in an office hold a few.
DEVICE_COOKIE_ACCOUNTS = 8


def normalise_username(username: str) -> str:
    return unicodedata.normalize("NFKC", username).strip().casefold()


def account_key(username: str) -> str:
    """A keyed hash of the user name: stable across days (a back-off must outlive midnight)."""
    message = f"login-throttle:{normalise_username(username)}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Wait:
    """An attempt that must wait: which layer said so, and for how many whole seconds."""

    layer: str  # "client", "pair" or "account"
    seconds: int
    # False for the repeats of a client-budget refusal within one minute: they are not
    # audited one by one, so a flood cannot fill the audit log.
    first: bool = True


def _now() -> float:
    return timezone.now().timestamp()


def _pair_key(account: str, client: str) -> str:
    return f"login-backoff:{account}:{client}"


def _account_counter_key(account: str) -> str:
    return f"login-account:{account}"


def pair_delay(failures: int) -> float:
    """Seconds a client must wait after its ``failures``-th failure on one account."""
    beyond = failures - settings.LOGIN_BACKOFF_FREE_FAILURES
    if beyond <= 0:
        return 0.0
    # Cap the exponent too, so a huge count cannot make a huge number.
    return float(min(2 ** min(beyond - 1, 40), settings.LOGIN_BACKOFF_MAX_SECONDS))


def _remaining(last_failure: float, delay: float) -> int:
    return max(0, math.ceil(last_failure + delay - _now()))


def spend_client_budget(client_key: str) -> Wait | None:
    """Count one attempt from this client; a Wait once it has spent its minute's budget."""
    attempts = ratelimit.hit(CLIENT_SCOPE, client_key, CLIENT_WINDOW)
    if attempts <= settings.LOGIN_ATTEMPTS_PER_MINUTE:
        return None
    seconds = CLIENT_WINDOW - int(_now()) % CLIENT_WINDOW
    return Wait("client", seconds, first=attempts == settings.LOGIN_ATTEMPTS_PER_MINUTE + 1)


def backoff(username: str, client_key: str, trusted_device: bool) -> Wait | None:
    """The wait, if any, before this client's next attempt on this account may be checked."""
    account = account_key(username)
    failures, last = cache.get(_pair_key(account, client_key), (0, 0.0))
    seconds = _remaining(last, pair_delay(failures))
    if seconds:
        return Wait("pair", seconds)
    if trusted_device:
        return None
    failures, last, started = cache.get(_account_counter_key(account), (0, 0.0, 0.0))
    if started > _now() - ACCOUNT_WINDOW and failures >= settings.LOGIN_ACCOUNT_FAILURES_PER_HOUR:
        seconds = _remaining(last, settings.LOGIN_ACCOUNT_BACKOFF_SECONDS)
        if seconds:
            return Wait("account", seconds)
    return None


def record_failure(username: str, client_key: str) -> Wait | None:
    """Count a failed attempt; the wait it starts for this client, if any.

    Read-modify-write without a lock: two failures racing from one client may count once,
    which lets an attacker gain one free guess per race at most, never a lock-out.
    """
    account = account_key(username)
    now = _now()
    pair = _pair_key(account, client_key)
    failures = cache.get(pair, (0, 0.0))[0] + 1
    cache.set(pair, (failures, now), timeout=PAIR_MEMORY)
    total, _last, started = cache.get(_account_counter_key(account), (0, 0.0, now))
    if started <= now - ACCOUNT_WINDOW:
        total, started = 0, now  # a new hour of counting for this account
    cache.set(_account_counter_key(account), (total + 1, now, started), timeout=ACCOUNT_WINDOW)
    delay = pair_delay(failures)
    return Wait("pair", math.ceil(delay)) if delay else None


def clear(username: str, client_key: str) -> None:
    """Forget this client's failures on the account after it logged in."""
    cache.delete(_pair_key(account_key(username), client_key))


def _device_cookie_age() -> int:
    return settings.LOGIN_DEVICE_COOKIE_DAYS * 86400


def trusted_device(request, username: str) -> bool:
    """Whether this browser has logged in to the account before (a valid device cookie)."""
    return account_key(username) in _device_accounts(request)


def _device_accounts(request) -> list[str]:
    if not _device_cookie_age():
        return []
    value = request.get_signed_cookie(
        DEVICE_COOKIE, default="", salt=DEVICE_COOKIE_SALT, max_age=_device_cookie_age()
    )
    return [a for a in value.split(",") if a]


def remember_device(request, response, username: str) -> None:
    """Mark this browser as one the account's owner logs in from (holds only account HMACs).

    The cookie is evidence, on a seized phone, that its owner logs in to this site's staff
    pages (not as whom: it holds keyed hashes of user names); ``LOGIN_DEVICE_COOKIE_DAYS = 0``
    sets none, and the account ceiling then applies to every browser alike.
    """
    if not _device_cookie_age():
        if DEVICE_COOKIE in request.COOKIES:
            response.delete_cookie(DEVICE_COOKIE)
        return
    account = account_key(username)
    accounts = [account, *(a for a in _device_accounts(request) if a != account)]
    response.set_signed_cookie(
        DEVICE_COOKIE,
        ",".join(accounts[:DEVICE_COOKIE_ACCOUNTS]),
        salt=DEVICE_COOKIE_SALT,
        max_age=_device_cookie_age(),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )
