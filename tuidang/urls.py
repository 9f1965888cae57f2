from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

from tuidang.newsroom.sitemaps import SITEMAPS

urlpatterns = [
    path("api/v1/", include("tuidang.declarations.urls_api")),
    path("log/", include("tuidang.declarations.urls_log")),
    # Editors only (verified second factor): see tuidang.newsroom.middleware.
    path("cms/", include(wagtailadmin_urls)),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("media/", include("tuidang.newsroom.urls_media")),
    *i18n_patterns(
        path("", include("tuidang.declarations.urls")),
        path("staff/", include("tuidang.accounts.urls")),
        # Admins only (verified second factor): see AccountsConfig.ready.
        path("admin/", admin.site.urls),
        # The newsroom's pages, served by Wagtail from its page tree (tuidang/newsroom).
        path("news/", include(wagtail_urls)),
    ),
]
