from django import template

from tuidang.newsroom_comments.forms import CommentForm
from tuidang.newsroom_comments.models import Comment, closes_at, comments_open

register = template.Library()


@register.inclusion_tag("newsroom_comments/_comments.html", takes_context=True)
def comments_for(context, page, inline_form=True):
    """A page's published comments, then the form (or, with ``inline_form=False``, a link to
    the form's own page) or the "comments are closed" notice.

    Article pages link: a form carries a CSRF token, and the token a cookie, which a reader who
    only reads must not get."""
    return {
        "inline_form": inline_form,
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "page": page,
        "comments": Comment.objects.approved().filter(page=page),
        "open": comments_open(page),
        "closes_at": closes_at(page),
        "form": context.get("comment_form") or CommentForm(),
    }
