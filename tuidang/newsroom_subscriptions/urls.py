from django.urls import path

from tuidang.newsroom_subscriptions import views

urlpatterns = [
    path("follow/", views.follow, name="newsroom-follow"),
    path(
        "follow/confirm/<int:subscriber_id>/<str:token>/",
        views.confirm,
        name="newsroom-follow-confirm",
    ),
    path(
        "follow/unsubscribe/<int:subscriber_id>/<str:token>/",
        views.unsubscribe,
        name="newsroom-follow-unsubscribe",
    ),
]
