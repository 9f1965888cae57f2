"""The newsroom: a Wagtail page tree of one news index, its categories and their articles.

    NewsIndexPage  /<lang>/news/                 every article; feeds, topics, search
      CategoryPage /<lang>/news/<category>/      one category; its feeds at feed/ and feed/atom/
        ArticlePage /<lang>/news/<category>/<slug>/

The URL's language prefix is the interface's (zh-hans, zh-hant, en); an article's own language
is a field (``language``, any of ``settings.NEWS_LANGUAGES``), and translations point at the
article they translate (``translation_of``), recording which version of it they follow.
"""

import io
import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path
from wagtail.fields import StreamField
from wagtail.images.models import AbstractImage, AbstractRendition
from wagtail.models import AbstractGroupApprovalTask, Orderable, Page, PageManager
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from tuidang.accounts.models import EDITOR
from tuidang.newsroom.blocks import BodyBlock

__all__ = ["EDITOR"]


def language_name(code: str) -> str:
    """A content language's name in that language (Django's table), else its code."""
    info = LANG_INFO.get(code, {})
    return info.get("name_local") or code


def language_choices() -> list[tuple[str, str]]:
    return [(code, f"{language_name(code)} ({code})") for code in settings.NEWS_LANGUAGES]


def validate_news_language(code: str) -> None:
    if code not in settings.NEWS_LANGUAGES:
        raise ValidationError(
            _("Not one of the site's content languages: %(code)s"), params={"code": code}
        )


# --- Images -----------------------------------------------------------------------------------


def strip_metadata(data: bytes) -> tuple[bytes, str] | None:
    """The picture in ``data`` re-encoded from its pixels alone, or None if it is not a picture.

    EXIF (camera, time, GPS position), XMP, IPTC and comments are dropped: a photo from a phone
    can place its author at their door. The orientation is applied first, so dropping it does
    not turn the picture on its side. Animated images keep their first frame only.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError):
        return None
    fmt = image.format or "PNG"
    upright: Image.Image = ImageOps.exif_transpose(image) or image
    clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    if upright.mode == "P":
        clean.putpalette(upright.getpalette() or [])
    params: dict = {}
    if "transparency" in upright.info and upright.mode in ("P", "L", "RGB"):
        params["transparency"] = upright.info["transparency"]
    if fmt == "JPEG":
        params["quality"] = 90
        if clean.mode not in ("RGB", "L", "CMYK"):
            clean = clean.convert("RGB")
    out = io.BytesIO()
    clean.save(out, format=fmt, **params)
    return out.getvalue(), fmt


class NewsImage(AbstractImage):
    """Wagtail's image with its metadata stripped before the file is first stored."""

    admin_form_fields = (
        "title",
        "file",
        "collection",
        "tags",
        "focal_point_x",
        "focal_point_y",
        "focal_point_width",
        "focal_point_height",
    )

    class Meta(AbstractImage.Meta):
        verbose_name = _("image")
        verbose_name_plural = _("images")

    def save(self, *args, **kwargs):
        upload: Any = getattr(self, "file", None)
        if upload and not getattr(upload, "_committed", True):
            upload.seek(0)
            stripped = strip_metadata(upload.read())
            if stripped is not None:
                self.file = ContentFile(stripped[0], name=upload.name.rsplit("/", 1)[-1])
                self._set_image_file_metadata()
        super().save(*args, **kwargs)


class NewsRendition(AbstractRendition):
    image = models.ForeignKey(NewsImage, related_name="renditions", on_delete=models.CASCADE)

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)


# --- Pages ------------------------------------------------------------------------------------


class ListingMixin(RoutablePageMixin):
    """A list of articles (all, or one category's) with per-language lists and their feeds:

    ``./`` and ``./lang/<code>/`` (pages), ``./feed/`` and ``./feed/atom/`` (every language),
    ``./lang/<code>/feed/`` and ``./lang/<code>/feed/atom/`` (one language).

    The page that mixes it in says which articles it lists with an ``articles()`` method
    (``NewsIndexPage``: all of them; ``CategoryPage``: its own).
    """

    def listing_name(self) -> str:
        return self.title

    @path("")
    def listing(self, request):
        from tuidang.newsroom import views

        return views.listing(request, self, self.articles(), language="")

    @re_path(r"^lang/(?P<code>[a-z]{2,3}(?:-[a-z0-9]{2,8})?)/$")
    def listing_in(self, request, code):
        from tuidang.newsroom import views

        return views.listing(request, self, self.articles(), language=code)

    @path("feed/", name="rss")
    def rss(self, request):
        from tuidang.newsroom import feeds

        return feeds.feed_response(request, self, language="", atom=False)

    @path("feed/atom/", name="atom")
    def atom(self, request):
        from tuidang.newsroom import feeds

        return feeds.feed_response(request, self, language="", atom=True)

    @re_path(r"^lang/(?P<code>[a-z]{2,3}(?:-[a-z0-9]{2,8})?)/feed/$")
    def rss_in(self, request, code):
        from tuidang.newsroom import feeds

        return feeds.feed_response(request, self, language=code, atom=False)

    @re_path(r"^lang/(?P<code>[a-z]{2,3}(?:-[a-z0-9]{2,8})?)/feed/atom/$")
    def atom_in(self, request, code):
        from tuidang.newsroom import feeds

        return feeds.feed_response(request, self, language=code, atom=True)


class NewsIndexPage(ListingMixin, Page):
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["newsroom.CategoryPage"]
    max_count = 1

    class Meta:
        verbose_name = _("news index")

    def articles(self):
        return ArticlePage.objects.live().public()

    @path("topics/", name="topics")
    def topics(self, request):
        from tuidang.newsroom import views

        return views.topics(request, self)

    @path("search/", name="search")
    def search(self, request):
        from tuidang.newsroom import views

        return views.search(request, self)

    @path("comments/feed/", name="comments-feed")
    def comments_feed(self, request):
        from tuidang.newsroom import feeds

        return feeds.comments_feed_response(request, self)


class CategoryPage(ListingMixin, Page):
    description = models.TextField(_("description"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("description"),
        InlinePanel("names", label=_("Name in each language")),
    ]
    parent_page_types = ["newsroom.NewsIndexPage"]
    subpage_types = ["newsroom.ArticlePage"]

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def articles(self):
        return ArticlePage.objects.live().public().filter(category=self)

    def route(self, request, path_components):
        # Wagtail finds a child by its slug among all pages under this one's path, a scan of
        # the page table on SQLite (its LIKE cannot use the path index): ~100 ms with 10,000
        # articles. The category column narrows it to this category's articles first.
        if path_components:
            article = (
                ArticlePage.objects.filter(category=self, slug=path_components[0])
                .select_related("category", "translation_of")
                .prefetch_related("category__names")
                .first()
            )
            if article is not None:
                return article.route(request, path_components[1:])
        return super().route(request, path_components)

    def name_in(self, language: str = "") -> str:
        """The category's name in ``language`` (default: the interface's), else its title."""
        language = language or get_language() or ""
        # Fetched once per page object (a list or a feed fetches them for all its categories);
        # names being edited (a preview) are the ones in memory.
        if "names" not in getattr(self, "_cluster_related_objects", {}):
            models.prefetch_related_objects([self], "names")
        for name in self.names.all():
            if name.language == language:
                return name.name
        return self.title

    def listing_name(self) -> str:
        return self.name_in()


class CategoryName(Orderable):
    page = ParentalKey(CategoryPage, on_delete=models.CASCADE, related_name="names")
    language = models.CharField(_("language"), max_length=12, validators=[validate_news_language])
    name = models.CharField(_("name"), max_length=80)

    panels = [FieldPanel("language"), FieldPanel("name")]

    def __str__(self):
        return f"{self.language}: {self.name}"


class ArticleTag(TaggedItemBase):
    content_object = ParentalKey(
        "newsroom.ArticlePage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class ArticlePage(Page):
    summary = models.TextField(_("summary"), max_length=600)
    byline = models.CharField(
        _("byline"), max_length=120, blank=True, help_text=_("A pseudonym is fine.")
    )
    language = models.CharField(
        _("language"),
        max_length=12,
        default="zh-hans",
        validators=[validate_news_language],
        help_text=_("The language the article is written in."),
    )
    body = StreamField(BodyBlock(), verbose_name=_("body"))
    tags = ClusterTaggableManager(through=ArticleTag, blank=True)
    # The parent category, kept here so lists and feeds filter on one column.
    category = models.ForeignKey(
        CategoryPage, null=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    # A reprint says where it came from, in fields rather than prose.
    reprint_source = models.CharField(_("reprinted from"), max_length=200, blank=True)
    reprint_url = models.URLField(_("original address"), blank=True)
    reprint_date = models.DateField(_("original date"), null=True, blank=True)
    reprint_rights = models.CharField(
        _("rights"), max_length=200, blank=True, help_text=_("e.g. 'with permission', 'CC BY 4.0'")
    )
    translation_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
        verbose_name=_("translation of"),
    )
    # When the original was last published as this translation was made or last checked;
    # a later publication of the original marks the translation as behind it.
    source_revision_at = models.DateTimeField(
        _("original's version followed"),
        null=True,
        blank=True,
        help_text=_(
            "Filled in when the translation is first saved. Clear it after bringing the "
            "translation up to date with the original."
        ),
    )

    objects = PageManager()

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("byline"),
        FieldPanel("language"),
        FieldPanel("body"),
        FieldPanel("tags"),
        MultiFieldPanel(
            [
                FieldPanel("reprint_source"),
                FieldPanel("reprint_url"),
                FieldPanel("reprint_date"),
                FieldPanel("reprint_rights"),
            ],
            heading=_("Reprint"),
        ),
        MultiFieldPanel(
            [FieldPanel("translation_of"), FieldPanel("source_revision_at")],
            heading=_("Translation"),
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
    ]
    parent_page_types = ["newsroom.CategoryPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def clean(self):
        super().clean()
        if self.translation_of_id and self.translation_of_id == self.pk:
            raise ValidationError({"translation_of": _("An article cannot translate itself.")})

    def save(self, *args, **kwargs):
        parent = self.get_parent() if self.path else None
        if parent is not None and isinstance(parent.specific, CategoryPage):
            self.category_id = parent.pk
        if self.translation_of_id and self.source_revision_at is None:
            source = ArticlePage.objects.filter(pk=self.translation_of_id).first()
            if source is not None:
                self.source_revision_at = source.last_published_at or timezone.now()
        super().save(*args, **kwargs)

    # --- what the page shows -----------------------------------------------------------

    @property
    def is_reprint(self) -> bool:
        return bool(self.reprint_source or self.reprint_url)

    @property
    def was_updated(self) -> bool:
        """Shown as updated when republished more than an hour after it first went out."""
        first, last = self.first_published_at, self.last_published_at
        return bool(first and last and last - first > timedelta(hours=1))

    @property
    def language_name(self) -> str:
        return language_name(self.language)

    def tag_names(self) -> list[str]:
        """The tags' names, from ``prefetch_related("tagged_items__tag")`` when a list of
        articles fetched them together (feeds), else in one query."""
        return sorted(item.tag.name for item in self.tagged_items.all())

    def original(self) -> "ArticlePage":
        source = self.translation_of
        return source if source is not None else self

    def translation_family(self):
        """Every live version of this article, in every language, this one included."""
        root = self.original()
        return (
            ArticlePage.objects.live()
            .public()
            .filter(Q(pk=root.pk) | Q(translation_of=root.pk))
            .order_by("language")
        )

    @property
    def is_behind_original(self) -> bool:
        """A translation whose original has been published again since the translation
        recorded the version it follows."""
        source = self.translation_of
        if source is None or source.last_published_at is None:
            return False
        return self.source_revision_at is None or source.last_published_at > self.source_revision_at

    def tag_uri(self) -> str:
        """The article's permanent id (RFC 4151), the same wherever it is served from."""
        return f"tag:{settings.FEED_AUTHORITY}:news/{self.pk}"

    def plain_text(self) -> str:
        """Everything a reader can read on the page, for the search index."""
        parts = [self.title, self.summary, self.byline, *self.tags.names()]
        for block in self.body:
            value = block.value
            if block.block_type == "paragraph":
                parts.append(strip_tags(value.source))
            elif block.block_type == "heading":
                parts.append(str(value))
            elif block.block_type == "quote":
                parts.extend([value["text"], value["source"]])
            elif block.block_type == "image":
                parts.extend([value["alt"], value["caption"]])
        return "\n".join(p for p in parts if p)

    def serve(self, request, *args, **kwargs):
        from tuidang.newsroom.toposts import count_view

        if request.method == "GET":
            count_view(request, self)
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from tuidang.newsroom.views import article_context

        context = super().get_context(request, *args, **kwargs)
        context.update(article_context(request, self))
        return context


# --- Top posts --------------------------------------------------------------------------------


class HourlyViewQuerySet(models.QuerySet["HourlyView"]):
    def since(self, moment: datetime):
        return self.filter(hour__gte=moment)


class HourlyView(models.Model):
    """How many times one article was read in one hour: a number, nothing about who read it."""

    page = models.ForeignKey(ArticlePage, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    views = models.PositiveIntegerField(default=0)

    objects = HourlyViewQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["page", "hour"], name="one_count_per_hour")]
        indexes = [models.Index(fields=["hour"])]

    def __str__(self):
        return f"{self.page_id} {self.hour:%Y-%m-%d %H}h {self.views}"

    @classmethod
    def add(cls, page_id: int, hour: datetime, views: int = 1) -> None:
        with transaction.atomic():
            row = cls.objects.filter(page_id=page_id, hour=hour)
            if not row.update(views=F("views") + views):
                cls.objects.create(page_id=page_id, hour=hour, views=views)

    @classmethod
    def totals_since(cls, moment: datetime):
        return (
            cls.objects.since(moment)
            .values("page_id")
            .annotate(total=Sum("views"))
            .order_by("-total", "-page_id")
        )


# --- Search: character bigrams, for languages written without spaces ---------------------------

CJK = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f]+"
)
WORD = re.compile(r"\w+")


def search_terms(text: str) -> set[str]:
    """The terms ``text`` is indexed and searched by: every two neighbouring characters of a
    run of Chinese, Japanese or Korean script (a lone character as itself), and every other
    word whole, case-folded. Searching 退党声明 looks for 退党, 党声 and 声明 together."""
    text = unicodedata.normalize("NFKC", text).casefold()
    terms: set[str] = set()
    for run in CJK.findall(text):
        if len(run) == 1:
            terms.add(run)
        terms.update(run[i : i + 2] for i in range(len(run) - 1))
    for word in WORD.findall(CJK.sub(" ", text)):
        terms.add(word[:32])
    return terms


class SearchTerm(models.Model):
    page = models.ForeignKey(ArticlePage, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=32)

    class Meta:
        indexes = [models.Index(fields=["term", "page"])]

    def __str__(self):
        return self.term

    @classmethod
    def index_page(cls, page: ArticlePage) -> None:
        with transaction.atomic():
            cls.objects.filter(page=page).delete()
            rows = [SearchTerm(page=page, term=t) for t in sorted(search_terms(page.plain_text()))]
            SearchTerm.objects.bulk_create(rows)

    @classmethod
    def matching(cls, query: str):
        """Ids of the pages that contain every term of ``query``."""
        terms = search_terms(query)
        if not terms:
            return cls.objects.none().values("page_id")
        return (
            cls.objects.filter(term__in=terms)
            .values("page_id")
            .annotate(found=Count("term", distinct=True))
            .filter(found=len(terms))
            .values("page_id")
        )


# --- Sidebar blocks (snippets) ------------------------------------------------------------------


class SidebarQuerySet(models.QuerySet):
    def for_language(self, language: str):
        """Blocks written for ``language``, and those left blank for every language."""
        return self.filter(Q(language="") | Q(language=language))


@register_snippet
class ReadingListItem(models.Model):
    title = models.CharField(_("title"), max_length=200)
    url = models.CharField(
        _("address"), max_length=500, help_text=_("On this site, e.g. /en/news/…, or a full URL.")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    language = models.CharField(
        _("language"), max_length=12, blank=True, help_text=_("Blank: shown in every language.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = SidebarQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("reading list entry")
        verbose_name_plural = _("reading list")

    def __str__(self):
        return self.title


@register_snippet
class DidYouKnow(models.Model):
    text = models.TextField(_("text"), max_length=500)
    source = models.CharField(_("source"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=12, blank=True, help_text=_("Blank: shown in every language.")
    )

    objects = SidebarQuerySet.as_manager()

    class Meta:
        verbose_name = _("“did you know” quote")
        verbose_name_plural = _("“did you know” quotes")

    def __str__(self):
        return self.text[:60]


@register_snippet
class FeaturedReport(models.Model):
    title = models.CharField(_("title"), max_length=200)
    url = models.CharField(_("address"), max_length=500)
    languages = models.CharField(
        _("languages"),
        max_length=300,
        help_text=_("The languages the report exists in, as codes separated by commas."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("featured report")
        verbose_name_plural = _("featured reports")

    def __str__(self):
        return self.title

    def language_names(self) -> list[str]:
        return [language_name(c.strip()) for c in self.languages.split(",") if c.strip()]


# --- Two-person approval ------------------------------------------------------------------------


class TwoPersonApprovalTask(AbstractGroupApprovalTask):
    """Wagtail's group approval, where whoever submitted the page or wrote the revision under
    review cannot approve it: publishing takes a second person."""

    class Meta:
        verbose_name = _("two-person approval")
        verbose_name_plural = _("two-person approvals")

    def get_actions(self, obj, user):
        state = getattr(obj, "current_workflow_state", None)
        if state is not None:
            task_state = state.current_task_state
            authors = {state.requested_by_id}
            if task_state is not None and task_state.revision is not None:
                authors.add(task_state.revision.user_id)
            if user.pk in authors:
                return []
        return super().get_actions(obj, user)

    @classmethod
    def get_description(cls):
        return _("An editor other than the one who submitted the page approves it.")
