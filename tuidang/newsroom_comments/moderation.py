"""Which comments wait for a moderator: first-time commenters, links, spam words, bursts, traps.

The same signals as the declarations' moderation (tuidang.declarations.moderation), keyed the
same way: a burst is counted per client key (an hourly, truncated HMAC of the address that is
never stored), never per address.
"""

from django.conf import settings

from tuidang import ratelimit
from tuidang.declarations.moderation import BURST_WINDOW_SECONDS, LINK
from tuidang.newsroom_comments.models import Comment, Hold


def holds_for(*, name: str, body: str, key: str, client_key: str, trap: str) -> list[str]:
    holds: list[str] = []
    if not Comment.objects.approved().filter(commenter_key=key).exists():
        holds.append(Hold.FIRST_TIME)
    text = f"{name} {body}"
    if LINK.search(text):
        holds.append(Hold.LINK)
    if any(word in text.casefold() for word in settings.SPAM_WORDS):
        holds.append(Hold.SPAM_WORD)
    if trap:
        holds.append(Hold.TRAP)
    if settings.RATE_LIMITS and (
        ratelimit.hit("comment-burst", client_key, BURST_WINDOW_SECONDS) > settings.BURST_THRESHOLD
    ):
        holds.append(Hold.BURST)
    return [str(h) for h in holds]
