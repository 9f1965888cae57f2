from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("tuidang.declarations.urls_api")),
    path("log/", include("tuidang.declarations.urls_log")),
    *i18n_patterns(
        path("", include("tuidang.declarations.urls")),
        path("", include("tuidang.newsroom_comments.urls")),
        path("", include("tuidang.newsroom_subscriptions.urls")),
        path("staff/", include("tuidang.accounts.urls")),
        # Admins only (verified second factor): see AccountsConfig.ready.
        path("admin/", admin.site.urls),
    ),
]
