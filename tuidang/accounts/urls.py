from django.urls import path

from tuidang.accounts import views

urlpatterns = [
    path("", views.home, name="accounts-home"),
    path("login/", views.login, name="accounts-login"),
    path("logout/", views.logout, name="accounts-logout"),
    path("audit/", views.audit, name="accounts-audit"),
    path("audit/export/", views.export_audit, name="accounts-export-audit"),
]
