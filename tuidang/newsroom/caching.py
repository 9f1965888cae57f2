"""What the newsroom keeps between requests, and when it is thrown away.

Nothing kept here depends on who asks: no user, session, cookie or CSRF token is in a kept
value or a key. Keys name only what the value is made of: the interface language, and for
feeds the host the links point to (one of ``ALLOWED_HOSTS``) and the list's validators.

- ``generation()``: a number that changes whenever an editor publishes, unpublishes, moves or
  deletes a page or changes a sidebar block (signals.py). The sidebar's data and rendered
  article bodies are kept under keys that include it, so a change shows at once in the process
  that made it and, with a shared cache (``TUIDANG_REDIS_URL``), in every process. With the
  per-process memory cache, other web processes see it when their copy expires
  (``NEWS_CACHE_SECONDS``; the sidebar's top posts and counts after ``TOP_POSTS_CACHE_SECONDS``).
- Feeds are kept under their ``ETag`` (feeds.py), which the database gives: a publication
  changes it in every process at once.
"""

import time

from django.core.cache import cache

GENERATION_KEY = "news:generation"


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = time.time_ns()
        cache.add(GENERATION_KEY, value, None)
    return value


def bump() -> None:
    """Everything kept under the current generation is stale."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, time.time_ns(), None)
