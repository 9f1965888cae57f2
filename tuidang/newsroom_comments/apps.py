from django.apps import AppConfig, apps


class NewsroomCommentsConfig(AppConfig):
    name = "tuidang.newsroom_comments"
    label = "newsroom_comments"
    verbose_name = "Newsroom comments"

    def ready(self) -> None:
        # The news index's comments feed (/<lang>/news/comments/feed/) reads its items through
        # this hook, so the newsroom does not depend on the comments app.
        if apps.is_installed("tuidang.newsroom"):
            from tuidang.newsroom import feeds
            from tuidang.newsroom_comments.models import newest_for_feed

            if newest_for_feed not in feeds.COMMENT_SOURCES:
                feeds.COMMENT_SOURCES.append(newest_for_feed)
