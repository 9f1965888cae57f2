from django.urls import path

from tuidang.accounts import views

urlpatterns = [
    path("", views.home, name="accounts-home"),
    path("login/", views.login, name="accounts-login"),
    path("login/passkey/", views.login_passkey_options, name="accounts-login-passkey"),
    path("passkeys/", views.passkey_list, name="accounts-passkeys"),
    path(
        "passkeys/options/",
        views.passkey_register_options,
        name="accounts-passkey-options",
    ),
    path("passkeys/add/", views.passkey_register, name="accounts-add-passkey"),
    path("passkeys/<int:pk>/remove/", views.passkey_remove, name="accounts-remove-passkey"),
    path("logout/", views.logout, name="accounts-logout"),
    path("audit/", views.audit, name="accounts-audit"),
    path("audit/export/", views.export_audit, name="accounts-export-audit"),
]
