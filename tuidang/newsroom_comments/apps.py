from django.apps import AppConfig


class NewsroomCommentsConfig(AppConfig):
    name = "tuidang.newsroom_comments"
    label = "newsroom_comments"
    verbose_name = "Newsroom comments"
