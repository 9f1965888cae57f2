from django import template

from tuidang.newsroom_comments.forms import CommentForm
from tuidang.newsroom_comments.models import Comment, closes_at, comments_open

register = template.Library()


@register.inclusion_tag("newsroom_comments/_comments.html", takes_context=True)
def comments_for(context, page):
    """A page's published comments, then the form or the "comments are closed" notice."""
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "page": page,
        "comments": Comment.objects.approved().filter(page=page),
        "open": comments_open(page),
        "closes_at": closes_at(page),
        "form": context.get("comment_form") or CommentForm(),
    }
