"""Invented newsroom content for ``tuidang demo``: categories, articles in three languages (and a
few more), translations, reprints, sidebar blocks and view counts for the top posts.

Everything is made through Wagtail's own page methods (a revision, then publish), as an
editor's work would be. All text is invented for the demo.
"""

import json
import random
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from tuidang.newsroom.models import (
    ArticlePage,
    CategoryName,
    CategoryPage,
    DidYouKnow,
    FeaturedReport,
    HourlyView,
    NewsIndexPage,
    ReadingListItem,
)
from tuidang.newsroom.toposts import current_hour

CATEGORIES = [
    ("voices", {"zh-hans": "退党心声", "zh-hant": "退黨心聲", "en": "Voices"}),
    ("world", {"zh-hans": "国际声援", "zh-hant": "國際聲援", "en": "Around the world"}),
    ("rights", {"zh-hans": "人权观察", "zh-hant": "人權觀察", "en": "Human rights"}),
    ("reports", {"zh-hans": "调查报告", "zh-hant": "調查報告", "en": "Reports"}),
    ("culture", {"zh-hans": "文化评论", "zh-hant": "文化評論", "en": "Culture"}),
]

# Invented headline pieces: (simplified, traditional, English).
PLACES = [
    ("多伦多", "多倫多", "Toronto"),
    ("悉尼", "雪梨", "Sydney"),
    ("台北", "台北", "Taipei"),
    ("纽约", "紐約", "New York"),
    ("伦敦", "倫敦", "London"),
    ("东京", "東京", "Tokyo"),
]
EVENTS = [
    ("义工街头讲真相", "義工街頭講真相", "volunteers talk with passers-by"),
    ("社区举办座谈会", "社區舉辦座談會", "a community holds a forum"),
    ("学生组织读书会", "學生組織讀書會", "students start a reading circle"),
    ("退党人数持续增加", "退黨人數持續增加", "more people quit the Party"),
    ("议员发表声援信", "議員發表聲援信", "a legislator sends a letter of support"),
]
PARAGRAPHS = [
    (
        "一位不愿具名的义工说，许多人只是想找个安全的地方说出心里话。",
        "一位不願具名的義工說，許多人只是想找個安全的地方說出心裡話。",
        "A volunteer who asked not to be named said many people only want a safe place to speak.",
    ),
    (
        "活动持续了整个下午，现场有人用化名写下了自己的声明。",
        "活動持續了整個下午，現場有人用化名寫下了自己的聲明。",
        "The event lasted all afternoon; some wrote their statements under an alias.",
    ),
    (
        "组织者提醒大家：不要在社交媒体上公开自己的真实姓名。",
        "組織者提醒大家：不要在社群媒體上公開自己的真實姓名。",
        "The organisers reminded everyone not to post their real names on social media.",
    ),
]
OTHER_LANGUAGES = [
    ("ja", "{place}で集会", "ボランティアが話を聞きました。"),
    ("ko", "{place}에서 집회", "자원봉사자들이 이야기를 들었습니다."),
    ("fr", "Rassemblement à {place}", "Des bénévoles ont écouté les passants."),
]
LANGUAGE_INDEX = {"zh-hans": 0, "zh-hant": 1, "en": 2}


def _body(language: str, rng: random.Random) -> str:
    i = LANGUAGE_INDEX[language]
    blocks: list[dict] = [
        {"type": "paragraph", "value": f"<p>{rng.choice(PARAGRAPHS)[i]}</p>"},
        {"type": "heading", "value": ["背景", "背景", "Background"][i]},
        {"type": "paragraph", "value": f"<p>{rng.choice(PARAGRAPHS)[i]}</p>"},
        {"type": "tally", "value": {"key": "total"}},
    ]
    if rng.random() < 0.4:
        blocks.append(
            {
                "type": "quote",
                "value": {
                    "text": rng.choice(PARAGRAPHS)[i],
                    "source": ["义工", "義工", "A volunteer"][i],
                },
            }
        )
    return json.dumps(blocks)


def _publish(parent, page, when, editor) -> ArticlePage:
    parent.add_child(instance=page)
    revision = page.save_revision(user=editor)
    revision.publish(user=editor)
    ArticlePage.objects.filter(pk=page.pk).update(first_published_at=when, last_published_at=when)
    page.refresh_from_db()
    return page


def fill(rng: random.Random, editor: User | None = None, articles: int = 36) -> int:
    """Add demo categories and ``articles`` articles (at least 30); returns how many were made."""
    index = NewsIndexPage.objects.get()
    categories = []
    for slug, names in CATEGORIES:
        category = CategoryPage.objects.filter(slug=slug).first()
        if category is None:
            category = CategoryPage(title=names["en"], slug=slug)
            for language, name in names.items():
                category.names.add(CategoryName(language=language, name=name))
            index.add_child(instance=category)
            category.save_revision(user=editor).publish(user=editor)
        categories.append(category)

    now = timezone.now()
    made: list[ArticlePage] = []
    start = ArticlePage.objects.count()
    for n in range(articles):
        category = categories[n % len(categories)]
        place, event = rng.choice(PLACES), rng.choice(EVENTS)
        when = now - timedelta(hours=rng.randint(1, 24 * 60))
        language = ("zh-hans", "zh-hant", "en")[n % 3]
        i = LANGUAGE_INDEX[language]
        title = f"{place[i]}：{event[i]}" if i < 2 else f"{place[2]}: {event[2]}"
        reprint = n % 7 == 3
        article = ArticlePage(
            title=title,
            slug=f"demo-{start + n + 1}",
            summary=rng.choice(PARAGRAPHS)[i],
            byline=rng.choice(["青山", "明月", "小林", "Lin", "A. Writer", ""]),
            language=language,
            body=_body(language, rng),
            reprint_source=["某海外中文报", "某海外中文報", "An overseas paper"][i]
            if reprint
            else "",
            reprint_url="https://paper.example/news/" + str(n) if reprint else "",
            reprint_date=(when - timedelta(days=2)).date() if reprint else None,
            reprint_rights=["经授权转载", "經授權轉載", "with permission"][i] if reprint else "",
        )
        made.append(_publish(category, article, when, editor))
        article.tags.add(rng.choice(["三退", "人权", "社区", "rights"]))
        article.save_revision(user=editor).publish(user=editor)
        ArticlePage.objects.filter(pk=article.pk).update(
            first_published_at=when, last_published_at=when
        )

    # Translations of the first few articles into Japanese and Korean.
    translated = 0
    for original in made[:4]:
        for language, pattern, text in OTHER_LANGUAGES[:2]:
            city = rng.choice(PLACES)[2]
            translation = ArticlePage(
                title=pattern.format(place=city),
                slug=f"{original.slug}-{language}",
                summary=text,
                language=language,
                body=json.dumps([{"type": "paragraph", "value": f"<p>{text}</p>"}]),
                translation_of=original,
            )
            _publish(
                original.get_parent(),
                translation,
                original.first_published_at + timedelta(hours=3),
                editor,
            )
            translated += 1
    # One original changed after it was translated: its translations show the notice.
    made[0].save_revision(user=editor).publish(user=editor)

    # Views over the last two days, for the top posts.
    hour = current_hour()
    rows = []
    for article in rng.sample(made, min(12, len(made))):
        for back in rng.sample(range(48), 6):
            rows.append(
                HourlyView(
                    page=article, hour=hour - timedelta(hours=back), views=rng.randint(1, 40)
                )
            )
    HourlyView.objects.bulk_create(rows, ignore_conflicts=True)

    if not ReadingListItem.objects.exists():
        ReadingListItem.objects.create(
            title="如何安全地声明退出", url="/zh-hans/declare/", language="zh-hans"
        )
        ReadingListItem.objects.create(
            title="如何安全地聲明退出", url="/zh-hant/declare/", language="zh-hant"
        )
        ReadingListItem.objects.create(
            title="How to declare safely", url="/en/declare/", language="en"
        )
        DidYouKnow.objects.create(text="声明可以用化名。", language="zh-hans")
        DidYouKnow.objects.create(text="聲明可以用化名。", language="zh-hant")
        DidYouKnow.objects.create(text="You may declare under an alias.", language="en")
        FeaturedReport.objects.create(
            title="Demo report", url="/en/news/reports/", languages="zh-hans,zh-hant,en,ja,ko,fr,de"
        )
    return len(made) + translated
