from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language


def site(request):
    """Site name and, for the language switcher and hreflang links, this page in each language."""
    current = get_language()
    alternates = [
        {
            "code": code,
            "name": name,
            "url": translate_url(request.path, code),
            "current": code == current,
        }
        for code, name in settings.LANGUAGES
    ]
    return {"SITE_NAME": settings.SITE_NAME, "alternates": alternates}
