from django import template
from django.conf import settings
from django.core.cache import cache

register = template.Library()


@register.inclusion_tag("newsroom_subscriptions/_follow_box.html")
def follow_box():
    """The follower count and a link to the form, for an article's sidebar. The count is kept
    as long as the sidebar's (it is on every article page; the follow page counts afresh)."""
    from tuidang.newsroom_subscriptions.views import follower_count

    followers = cache.get("news:followers")
    if followers is None:
        followers = follower_count()
        cache.set("news:followers", followers, settings.TOP_POSTS_CACHE_SECONDS)
    return {"followers": followers}
