from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("tuidang.declarations.urls_api")),
    path("log/", include("tuidang.declarations.urls_log")),
    *i18n_patterns(
        path("", include("tuidang.declarations.urls")),
        path("staff/", include("tuidang.accounts.urls")),
        # Researchers and caseworkers only; every case through tuidang.cases.access.
        path("cases/", include("tuidang.cases.urls")),
        # Admins only (verified second factor): see AccountsConfig.ready.
        path("admin/", admin.site.urls),
    ),
]
