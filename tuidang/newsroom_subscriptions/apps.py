from django.apps import AppConfig


class NewsroomSubscriptionsConfig(AppConfig):
    name = "tuidang.newsroom_subscriptions"
    label = "newsroom_subscriptions"
    verbose_name = "Newsroom e-mail followers"

    def ready(self) -> None:
        from django.db import transaction
        from wagtail.signals import page_published

        def mail_followers(sender, instance, **kwargs) -> None:
            from django.conf import settings

            from tuidang.newsroom_subscriptions.tasks import start_post_mailing

            if instance._meta.label_lower in settings.FOLLOWERS_PAGE_MODELS:
                page_id = instance.pk
                transaction.on_commit(lambda: start_post_mailing.enqueue(page_id))

        page_published.connect(mail_followers, weak=False, dispatch_uid="followers-mail")
