"""Fills a data dir with N invented articles for bench/news.py (run through `tuidang shell`).

Wagtail's add_child() costs a fraction of a second per page here, so the pages are written in
bulk: the base rows with Page.objects.bulk_create (paths computed as treebeard would), then
each article's own row with a raw save, all in one transaction.
"""

import json
import os
import time
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from wagtail.models import Locale, Page

from tuidang.newsroom.models import ArticlePage, CategoryName, CategoryPage, NewsIndexPage

count = int(os.environ.get("BENCH_ARTICLES", "10000"))
started = time.monotonic()
index = NewsIndexPage.objects.get()
categories = []
for c in range(4):
    category = CategoryPage(title=f"Category {c}", slug=f"cat-{c}")
    category.names.add(CategoryName(language="en", name=f"Category {c}"))
    index.add_child(instance=category)
    categories.append(category)
paragraph = "<p>" + "退出中共是每个人的权利，也是良心的选择。" * 30 + "</p>"
body = json.dumps(
    [{"type": "paragraph", "value": paragraph}, {"type": "heading", "value": "背景"}] * 3
)
now = timezone.now()
content_type = ContentType.objects.get_for_model(ArticlePage)
locale = Locale.objects.first()
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def step(number: int) -> str:
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = DIGITS[rest] + out
    return out.rjust(4, "0")


with transaction.atomic():
    pages = []
    for n in range(count):
        category = categories[n % 4]
        position = n // 4 + 1
        pages.append(
            Page(
                title=f"文章 {n}",
                draft_title=f"文章 {n}",
                slug=f"a-{n}",
                content_type=content_type,
                path=category.path + step(position),
                depth=category.depth + 1,
                numchild=0,
                url_path=f"{category.url_path}a-{n}/",
                live=True,
                has_unpublished_changes=False,
                first_published_at=now,
                last_published_at=now,
                locale=locale,
                translation_key=uuid.uuid4(),
            )
        )
    Page.objects.bulk_create(pages, batch_size=500)
    for n, page in enumerate(pages):
        article = ArticlePage(
            page_ptr_id=page.pk,
            summary="一篇用于测量的文章。",
            language=("zh-hans", "zh-hant", "en")[n % 3],
            body=body,
            category_id=categories[n % 4].pk,
        )
        article.save_base(raw=True)
    for c, category in enumerate(categories):
        Page.objects.filter(pk=category.pk).update(numchild=len(range(c, count, 4)))
print(f"{ArticlePage.objects.count()} articles in {time.monotonic() - started:.0f} s")
