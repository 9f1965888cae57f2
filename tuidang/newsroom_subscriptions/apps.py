from django.apps import AppConfig


class NewsroomSubscriptionsConfig(AppConfig):
    name = "tuidang.newsroom_subscriptions"
    label = "newsroom_subscriptions"
    verbose_name = "Newsroom e-mail followers"
