from django.urls import path

from tuidang.cases import casework_urls, views
from tuidang.cases import views_documentation as docs

urlpatterns = [
    path("", views.case_list, name="cases-list-cases"),
    path("new/", views.case_create, name="cases-create-case"),
    path("<int:case_id>/", views.case_detail, name="cases-view-case"),
    path("<int:case_id>/identities/", views.case_identities, name="cases-reveal-identities"),
    # Documentation (HURIDOCS events)
    path("<int:case_id>/people/new/", docs.person_create, name="cases-create-person"),
    path("<int:case_id>/people/<int:person_id>/", docs.person_detail, name="cases-view-person"),
    path(
        "<int:case_id>/people/<int:person_id>/consent/",
        docs.person_consent,
        name="cases-record-consent",
    ),
    path("<int:case_id>/events/new/", docs.event_create, name="cases-create-event"),
    path("<int:case_id>/acts/new/", docs.act_create, name="cases-create-act"),
    path("counts/", docs.counts, name="cases-view-counts"),
    path("duplicates/", docs.duplicate_list, name="cases-list-duplicates"),
    path("duplicates/decide/", docs.duplicate_decide, name="cases-decide-duplicate"),
    path("merges/<int:merge_id>/undo/", docs.merge_undo, name="cases-undo-merge"),
    path("dossiers/", docs.dossier_list, name="cases-list-dossiers"),
    path("dossiers/new/", docs.dossier_create, name="cases-create-dossier"),
    path("dossiers/<int:dossier_id>/", docs.dossier_detail, name="cases-view-dossier"),
    path("dossiers/<int:dossier_id>/approve/", docs.dossier_approve, name="cases-approve-dossier"),
    path(
        "dossiers/<int:dossier_id>/hand-over/",
        docs.dossier_hand_over,
        name="cases-hand-over-dossier",
    ),
    path(
        "dossiers/<int:dossier_id>/files/<str:name>",
        docs.dossier_download,
        name="cases-download-dossier",
    ),
    # People at risk: tuidang/cases/casework.py (spliced in, so the IDOR matrix sees each one).
    *casework_urls.urlpatterns,
]
