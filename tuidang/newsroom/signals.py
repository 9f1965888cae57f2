"""Keeping the search index, the kept pages (caching.py) and the audit log in step with what
editors do.

Wagtail writes a log entry for every action in its admin (create, edit, publish, unpublish,
workflow steps, image uploads, snippet changes, deletions); each one is copied into tuidang's
audit chain, so newsroom work is audited like every other staff action.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import ModelLogEntry, Page, PageLogEntry
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from tuidang.accounts.models import AuditEvent
from tuidang.newsroom import caching
from tuidang.newsroom.models import (
    ArticlePage,
    DidYouKnow,
    FeaturedReport,
    NewsImage,
    ReadingListItem,
    SearchTerm,
)


@receiver(page_published)
@receiver(page_unpublished)
@receiver(page_slug_changed)
@receiver(post_page_move)
def forget_kept_pages(sender, instance, **kwargs):
    caching.bump()


@receiver(post_delete)
def forget_kept_pages_on_delete(sender, instance, **kwargs):
    if isinstance(instance, Page):
        caching.bump()


@receiver(post_save, sender=ReadingListItem)
@receiver(post_save, sender=DidYouKnow)
@receiver(post_save, sender=FeaturedReport)
@receiver(post_delete, sender=ReadingListItem)
@receiver(post_delete, sender=DidYouKnow)
@receiver(post_delete, sender=FeaturedReport)
def forget_sidebar(sender, instance, **kwargs):
    caching.bump()


@receiver(page_published)
def index_published(sender, instance, **kwargs):
    if isinstance(instance, ArticlePage):
        SearchTerm.index_page(instance)


@receiver(page_unpublished)
def unindex_unpublished(sender, instance, **kwargs):
    if isinstance(instance, ArticlePage):
        SearchTerm.objects.filter(page=instance).delete()


@receiver(post_save, sender=PageLogEntry)
@receiver(post_save, sender=ModelLogEntry)
def audit_wagtail_action(sender, instance, created, **kwargs):
    # Entries without a user are the system's own (data migrations, scheduled publishing of a
    # revision whose scheduling was itself logged with its editor): not staff actions.
    if not created or instance.user_id is None:
        return
    AuditEvent.record(
        instance.user,
        f"cms.{instance.action.removeprefix('wagtail.')}",
        None,
        object_type=instance.content_type.model if instance.content_type_id else "",
        object_id=str(instance.object_id),
        label=instance.label,
    )


@receiver(post_save, sender=NewsImage)
def audit_image_upload(sender, instance, created, **kwargs):
    # Wagtail's multiple-upload view writes no log entry of its own.
    if created:
        AuditEvent.record(
            instance.uploaded_by_user, "cms.image_upload", instance, title=instance.title
        )
