from django.conf import settings
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils.translation import get_language, override


def site(request):
    """Site name and, for the language switcher and hreflang links, this page in each language."""
    current = get_language()
    alternates = [
        {"code": code, "name": name, "url": url, "current": code == current}
        for (code, name), url in zip(settings.LANGUAGES, _translated(request), strict=True)
    ]
    return {"SITE_NAME": settings.SITE_NAME, "alternates": alternates}


def _translated(request) -> list[str]:
    """``translate_url(request.path, code)`` for every language, with the URL resolved once:
    the view's own match is reused instead of resolving the path again for each language (three
    resolutions a page, on every page). Where that match may differ from what ``translate_url``
    would resolve (no match, as on error pages; a script prefix; an escaped path), it is
    ``translate_url`` itself."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is None or path != request.path_info or "%" in path:
        return [translate_url(path, code) for code, _name in settings.LANGUAGES]
    name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    urls = []
    for code, _name in settings.LANGUAGES:
        with override(code):
            try:
                urls.append(reverse(name, args=match.args, kwargs=match.kwargs))
            except NoReverseMatch:
                urls.append(path)
    return urls
