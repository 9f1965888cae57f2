from django.urls import path

from tuidang.newsroom_comments import views

urlpatterns = [
    path("comments/<int:page_id>/", views.post_comment, name="newsroom-comments-post"),
    path("comments/feed/", views.comments_feed, name="newsroom-comments-feed"),
    path("staff/comments/", views.queue, name="newsroom-comments-queue"),
]
