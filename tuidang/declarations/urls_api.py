"""The open-data and partner API, documented in docs/api.md and /api/v1/openapi.json."""

from django.urls import path

from tuidang.declarations.views import api, api_intake
from tuidang.transparency import urls as urls_log

urlpatterns = [
    *urls_log.api_urlpatterns,
    path("tally", api.tally, name="api-tally"),
    path("tally.csv", api.tally_csv, name="api-tally-csv"),
    path("statements", api.statements, name="api-statements"),
    path("statements.csv", api.statements_csv, name="api-statements-csv"),
    path("declarations", api_intake.declarations, name="api-declarations"),
    path("openapi.json", api.openapi, name="api-openapi"),
]
