"""Making newsroom pages in tests the way the Wagtail admin does: a revision, then publish."""

import io
import json

from django.core.files.base import ContentFile
from PIL import Image

from tuidang.newsroom.models import (
    ArticlePage,
    CategoryName,
    CategoryPage,
    NewsImage,
    NewsIndexPage,
)


def restore_news_tree() -> None:
    """Put back what Wagtail's and the newsroom's data migrations made (locale, root page and
    collection, the news index and its site, the editor group and its permissions, the
    two-person workflow) after a ``TransactionTestCase`` emptied the tables."""
    import importlib

    from django.apps import apps
    from wagtail.models import Collection, Locale, Page

    if NewsIndexPage.objects.exists():
        return
    Locale.objects.get_or_create(language_code="zh-hans")
    if not Page.objects.filter(depth=1).exists():
        Page.add_root(
            instance=Page(title="Root", slug="root", live=True, locale=Locale.objects.first())
        )
    if not Collection.objects.filter(depth=1).exists():
        Collection.add_root(name="Root")
    migration = importlib.import_module(
        "tuidang.newsroom.migrations.0002_editor_role_news_index_and_two_person_workflow"
    )
    migration.add_newsroom(apps, None)


def news_index() -> NewsIndexPage:
    return NewsIndexPage.objects.get()


def make_category(slug: str, names: dict[str, str] | None = None) -> CategoryPage:
    names = names or {"zh-hans": f"{slug}（简）", "zh-hant": f"{slug}（繁）", "en": slug.title()}
    category = CategoryPage(title=names.get("en", slug), slug=slug)
    for language, name in names.items():
        category.names.add(CategoryName(language=language, name=name))
    news_index().add_child(instance=category)
    category.save_revision().publish()
    return category


def paragraph(text: str) -> dict:
    return {"type": "paragraph", "value": f"<p>{text}</p>"}


def make_article(
    category: CategoryPage,
    title: str,
    *,
    slug: str | None = None,
    body: list[dict] | None = None,
    language: str = "zh-hans",
    summary: str = "",
    user=None,
    publish: bool = True,
    **fields,
) -> ArticlePage:
    article = ArticlePage(
        title=title,
        slug=slug or f"a{ArticlePage.objects.count() + 1}",
        summary=summary or f"{title}。",
        language=language,
        body=json.dumps(body if body is not None else [paragraph(f"{title}的正文。")]),
        live=publish,
        **fields,
    )
    category.add_child(instance=article)
    revision = article.save_revision(user=user)
    if publish:
        revision.publish(user=user)
        article.refresh_from_db()
    return article


def jpeg_with_gps() -> bytes:
    """A small JPEG carrying EXIF with a camera model and a GPS position."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "Phone X"  # Model
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 50.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def make_image(title: str = "photo", data: bytes | None = None) -> NewsImage:
    image = NewsImage(title=title, file=ContentFile(data or jpeg_with_gps(), name=f"{title}.jpg"))
    image.save()
    return image
