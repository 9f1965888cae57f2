from django.urls import path

from tuidang.cases import casework_urls, views
from tuidang.cases import views_documentation as docs
from tuidang.cases import views_records as records

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
    # What a case is known from, and what the centre did: tuidang/cases/views_records.py
    path("<int:case_id>/evidence/", records.evidence_list, name="cases-list-evidence"),
    path(
        "<int:case_id>/evidence/<int:evidence_id>/",
        records.evidence_detail,
        name="cases-view-evidence",
    ),
    path(
        "<int:case_id>/evidence/<int:evidence_id>/download/",
        records.evidence_download,
        name="cases-download-evidence",
    ),
    path(
        "<int:case_id>/evidence/<int:evidence_id>/transfer/",
        records.evidence_transfer,
        name="cases-transfer-evidence",
    ),
    path("<int:case_id>/information/", records.information_list, name="cases-list-information"),
    path(
        "<int:case_id>/information/new/",
        records.information_edit,
        name="cases-create-information",
    ),
    path(
        "<int:case_id>/information/<int:information_id>/",
        records.information_edit,
        name="cases-edit-information",
    ),
    path(
        "<int:case_id>/interventions/",
        records.intervention_list,
        name="cases-list-interventions",
    ),
    path(
        "<int:case_id>/interventions/new/",
        records.intervention_edit,
        name="cases-create-intervention",
    ),
    path(
        "<int:case_id>/interventions/<int:intervention_id>/",
        records.intervention_edit,
        name="cases-edit-intervention",
    ),
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
        "dossiers/<int:dossier_id>/anchor/",
        records.dossier_anchor,
        name="cases-anchor-dossier",
    ),
    path(
        "dossiers/<int:dossier_id>/files/<str:name>",
        docs.dossier_download,
        name="cases-download-dossier",
    ),
    # People at risk: tuidang/cases/casework.py (spliced in, so the IDOR matrix sees each one).
    *casework_urls.urlpatterns,
]
