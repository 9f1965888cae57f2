from django.urls import include, path

from tuidang.cases import views

urlpatterns = [
    path("", views.case_list, name="cases-list-cases"),
    path("new/", views.case_create, name="cases-create-case"),
    path("<int:case_id>/", views.case_detail, name="cases-view-case"),
    path("<int:case_id>/identities/", views.case_identities, name="cases-reveal-identities"),
    # People at risk: tuidang/cases/casework.py.
    path("", include("tuidang.cases.casework_urls")),
]
