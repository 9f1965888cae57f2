"""``tuidang demo`` fills the newsroom: 30+ articles in 4+ categories in three languages,
reprints, translations (one of them behind its original) and view counts."""

import random

from django.core.cache import cache
from django.db.models import Count
from django.test import TestCase

from tuidang.newsroom import demo
from tuidang.newsroom.models import ArticlePage, CategoryPage, HourlyView
from tuidang.newsroom.toposts import top_posts


class NewsDemoTests(TestCase):
    def test_fill(self):
        cache.clear()
        made = demo.fill(random.Random(3))
        self.assertGreaterEqual(made, 30)
        articles = ArticlePage.objects.live()
        self.assertGreaterEqual(articles.count(), 30)
        self.assertGreaterEqual(CategoryPage.objects.live().count(), 4)
        per_category = articles.values("category").annotate(n=Count("pk")).order_by()
        self.assertGreaterEqual(len([row for row in per_category if row["n"]]), 4)
        languages = set(articles.values_list("language", flat=True))
        self.assertTrue({"zh-hans", "zh-hant", "en"} <= languages)
        self.assertTrue(articles.exclude(reprint_source="").exists())
        self.assertTrue(
            any(a.is_behind_original for a in articles.filter(translation_of__isnull=False))
        )
        self.assertTrue(HourlyView.objects.exists())
        posts, by_views = top_posts()
        self.assertTrue(by_views)
        self.assertEqual(len(posts), 5)
        for language in ("zh-hans", "zh-hant", "en"):
            self.assertEqual(
                self.client.get(f"/{language}/news/", HTTP_HOST="localhost").status_code, 200
            )
