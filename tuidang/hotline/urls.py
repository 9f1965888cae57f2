from django.urls import path

from tuidang.hotline import views

urlpatterns = [
    path("", views.calls, name="hotline-calls"),
]
