"""Routes of the transparency log.

``urlpatterns`` is mounted at ``/log/`` without a language prefix (tlog clients and mirrors
fetch the same bytes whatever the language); ``page_urlpatterns`` are the public pages under
``/<lang>/log/``; ``api_urlpatterns`` join the open-data API under ``/api/v1/``.
"""

from django.urls import path

from tuidang.transparency import views as log

urlpatterns = [
    path("checkpoint", log.checkpoint, name="log-checkpoint"),
    path("tile/<path:path>", log.tile, name="log-tile"),
]

page_urlpatterns = [
    path("", log.log_page, name="transparency-log"),
    path("checkpoints/", log.checkpoints_page, name="transparency-log-checkpoints"),
]

api_urlpatterns = [
    path("checkpoints", log.checkpoints_api, name="api-checkpoints"),
    path("proof", log.proof, name="api-proof"),
    path("consistency", log.consistency, name="api-consistency"),
]
