from django.urls import path

from tuidang.cases import casework

urlpatterns = [
    path("casework/", casework.dashboard, name="cases-view-casework-dashboard"),
    path("casework/language/", casework.alert_language, name="cases-set-alert-language"),
    path("<int:case_id>/casework/", casework.case_casework, name="cases-view-casework"),
    path(
        "<int:case_id>/casework/reveal/",
        casework.reveal_casework,
        name="cases-reveal-casework",
    ),
    path(
        "<int:case_id>/casework/alerts/<int:alert_id>/acknowledge/",
        casework.acknowledge_alert,
        name="cases-acknowledge-alert",
    ),
    path(
        "<int:case_id>/casework/<slug:part>/new/",
        casework.edit_casework,
        name="cases-add-casework",
    ),
    path(
        "<int:case_id>/casework/<slug:part>/<int:item_id>/",
        casework.edit_casework,
        name="cases-edit-casework",
    ),
]
