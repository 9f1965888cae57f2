from django import template

register = template.Library()


@register.inclusion_tag("newsroom_subscriptions/_follow_box.html")
def follow_box():
    """The follower count and a link to the form, for an article's sidebar."""
    from tuidang.newsroom_subscriptions.views import follower_count

    return {"followers": follower_count()}
