"""Uploaded images and their renditions, served by the application (``tuidang serve`` has no
separate file server). Only image files under MEDIA_ROOT are served, never a listing."""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

urlpatterns = [
    re_path(
        r"^(?P<path>(?:original_images|images)/[^/]+\.(?:jpe?g|png|webp|gif|avif))$",
        serve,
        {"document_root": settings.MEDIA_ROOT},
        name="newsroom-media",
    ),
]
