"""Wagtail pages for the comments and followers tests, without the newsroom's own models."""

from django.utils import timezone
from wagtail.models import Page


def make_page(title: str = "退党声明与新闻", slug: str = "", published=None) -> Page:
    root = Page.get_first_root_node()
    page = Page(title=title, slug=slug or f"p{Page.objects.count()}", live=True)
    root.add_child(instance=page)
    page.first_published_at = published or timezone.now()
    page.save()
    return page
