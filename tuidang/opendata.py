"""What every open-data answer shares, whichever app serves it (the tally, the statements, the log).

Open data: anyone may read it from anywhere (``Access-Control-Allow-Origin: *``), no key, no
cookies. Error messages follow ``?lang=`` or Accept-Language.
"""

import functools

from django.http import JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

_JSON = {"ensure_ascii": False}


def open_data(view):
    """Read-only, readable from any origin, in the language ``?lang=`` asks for if it can."""

    @require_safe
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        language = _requested_language(request)
        if language:
            with translation.override(language):
                response = view(request, *args, **kwargs)
            response.headers["Content-Language"] = language
        else:
            response = view(request, *args, **kwargs)
        response.headers["Access-Control-Allow-Origin"] = "*"
        patch_vary_headers(response, ["Accept-Language"])
        return response

    return wrapper


def _requested_language(request) -> str:
    requested = request.GET.get("lang", "")
    if not requested:
        return ""
    try:
        return translation.get_supported_language_variant(requested.lower())
    except LookupError:
        return ""


def error(field: str, message: str, status: int = 400) -> JsonResponse:
    """The same error shape as the partner API's: ``{"errors": {field: [message]}}``."""
    return JsonResponse({"errors": {field: [message]}}, status=status, json_dumps_params=_JSON)
