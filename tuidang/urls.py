from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

from tuidang.newsroom.sitemaps import SITEMAPS
from tuidang.transparency import urls as log_urls

urlpatterns = [
    # The open-data API (the log's routes among them: declarations/urls_api.py).
    path("api/v1/", include("tuidang.declarations.urls_api")),
    path("log/", include("tuidang.transparency.urls")),
    # Editors only (verified second factor): see tuidang.newsroom.middleware.
    path("cms/", include(wagtailadmin_urls)),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("media/", include("tuidang.newsroom.urls_media")),
    *i18n_patterns(
        path("", include("tuidang.declarations.urls")),
        path("log/", include(log_urls.page_urlpatterns)),
        path("staff/calls/", include("tuidang.hotline.urls")),
        path("", include("tuidang.newsroom_comments.urls")),
        path("", include("tuidang.newsroom_subscriptions.urls")),
        path("staff/", include("tuidang.accounts.urls")),
        # Researchers and caseworkers only; every case through tuidang.cases.access.
        path("cases/", include("tuidang.cases.urls")),
        # Admins only (verified second factor): see AccountsConfig.ready.
        path("admin/", admin.site.urls),
        # The newsroom's pages, served by Wagtail from its page tree (tuidang/newsroom).
        path("news/", include(wagtail_urls)),
    ),
]
