"""Fixed-window counters in the cache, keyed by scope and an already-hashed key.

Callers pass ``request.client_key`` (a 20-bit HMAC of the address under an hourly key held
only in process memory, see ``tuidang.privacy``) or a hash of an account name, so cache keys
never hold an address or a name in clear, nor anything that turns back into one.

A client's key changes on the hour, so no window keyed by a client should be longer than an
hour (each would restart at the change) or straddle an hour boundary: windows divide the hour
(600 s, 3600 s) and start on the epoch, so they never do.
"""

from django.core.cache import cache
from django.utils import timezone


def _window_key(scope: str, key: str, window: int) -> str:
    slot = int(timezone.now().timestamp()) // window
    return f"rl:{scope}:{key}:{slot}"


def hit(scope: str, key: str, window: int) -> int:
    """Count one event in the current window and return the count so far."""
    cache_key = _window_key(scope, key, window)
    if cache.add(cache_key, 1, timeout=window + 1):
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window + 1)
        return 1


def count(scope: str, key: str, window: int) -> int:
    return cache.get(_window_key(scope, key, window), 0)


def reset(scope: str, key: str, window: int) -> None:
    cache.delete(_window_key(scope, key, window))
