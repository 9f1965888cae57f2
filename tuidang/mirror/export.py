"""``tuidang mirror export DIR``: the public site as static files with relative links.

What goes in:

- the log exactly as ``tuidang log export`` writes it (checkpoint, tiles, entry bundles,
  checkpoint history, the tally and statements as the API serves them), so ``tuidang verify``
  reads a hosted mirror like the live site;
- every public page reachable by links from the entry points of each language
  (``ENTRY_POINTS``: home, statements, tally, log, and the newsroom when it is installed),
  fetched through Django's own request handling (the test client: the same middleware,
  views and templates as a browser gets, no network), with each link to another mirrored
  page, file or static asset rewritten to a relative path. A page whose path ends in ``/``
  becomes ``…/index.html`` (browsers open ``file://`` directories as listings, not pages),
  a query string becomes part of the file name (``index.page-2.html``);
- the static files those pages and their style sheets use;
- ``MANIFEST.sig`` (``tuidang.mirror.manifest``): every file's SHA-256, signed.

What stays out: staff pages and every form that needs the live server (declaring, receipts,
comments, subscribing). Links to them keep pointing at the site itself (``--origin``), and
templates wrap such forms in ``<!-- mirror:omit -->…<!-- /mirror:omit -->``, which the export
cuts out, so a mirror shows no form that cannot work.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from tuidang import conf
from tuidang.declarations.models import Person
from tuidang.ledger import Ed25519Signer, generate_key, new_signer
from tuidang.mirror import manifest
from tuidang.transparency import logexport

KEY_FILE = "mirror-signing.key"
# Under each language prefix; a path that answers 404 (an app not installed) is left out.
ENTRY_POINTS = ["", "statements/", "tally/", "log/", "log/checkpoints/", "news/"]
# Under each language prefix: pages that need the live server, or staff.
EXCLUDED = ("staff/", "admin/", "cms/", "declare/", "receipt/", "comments/", "follow/")
# Resources the log export writes, so links to them are kept (without the language prefix).
LOG_PREFIXES = ("/log/", "/api/v1/")
STATEMENTS_DAY = re.compile(r"statements/(\d{4}-\d{2}-\d{2})/")
OMIT = re.compile(r"<!-- mirror:omit -->.*?<!-- /mirror:omit -->", re.S)
ATTRIBUTE = re.compile(r"""(\s(?:href|src|action|poster)=)(["'])(.*?)\2""", re.S | re.I)
SRCSET = re.compile(r"""(\ssrcset=)(["'])(.*?)\2""", re.S | re.I)
CSS_URL = re.compile(r"""url\(\s*(["']?)([^"')]+)\1\s*\)|@import\s+(["'])([^"']+)\3""")
EXTENSIONS = {
    "text/html": ".html",
    "application/rss+xml": ".xml",
    "application/atom+xml": ".xml",
    "application/xml": ".xml",
    "text/xml": ".xml",
    "application/json": ".json",
    "text/plain": ".txt",
    "text/css": ".css",
}


def mirror_signer() -> Ed25519Signer:
    """The mirror key, generated into ``<data dir>/secrets/`` on first use (never the log's)."""
    name = settings.LOG_ORIGIN.partition("/")[0] + "/mirror"
    return new_signer(conf.read_or_create_secret(KEY_FILE, lambda: generate_key(name)[0]))


@dataclass
class Fetched:
    path: str  # the file, relative to the mirror's root
    body: bytes
    content_type: str


@dataclass
class Crawl:
    client: Client
    hosts: set[str]
    origin: str
    limit: int
    pages: dict[str, Fetched] = field(default_factory=dict)  # URL (path?query) -> page
    redirects: dict[str, str] = field(default_factory=dict)
    assets: dict[str, str] = field(default_factory=dict)  # /static/… URL -> mirror path
    missing: set[str] = field(default_factory=set)
    log_files: set[str] = field(default_factory=set)
    queue: deque[str] = field(default_factory=deque)
    days: set[str] = field(default_factory=set)  # days with published statements


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _is_page_url(path: str, crawl: Crawl) -> bool:
    first, _, rest = path.lstrip("/").partition("/")
    if first not in _languages() or rest.startswith(EXCLUDED):
        return False
    day = STATEMENTS_DAY.fullmatch(rest)
    # Every day links to the one before, back to the first day the lists could have: only
    # the days that have statements are worth a page each.
    return day is None or day[1] in crawl.days


def _file_for(url: str, content_type: str) -> str:
    """Where the resource at ``url`` (a path with an optional query) lives in the mirror."""
    parts = urlsplit(url)
    extension = EXTENSIONS.get(content_type.split(";")[0].strip(), "")
    path = parts.path.lstrip("/")
    if not path or path.endswith("/"):
        path += "index" + extension
    elif extension and not posixpath.splitext(path)[1]:
        path += extension
    if parts.query:
        query = re.sub(r"[^A-Za-z0-9._-]", "-", parts.query.replace("&", "_"))
        stem, extension = posixpath.splitext(path)
        path = f"{stem}.{query}{extension}"
    return path


def _local_url(link: str, base: str, crawl: Crawl) -> str | None:
    """``link`` as a path?query on this site, or None when it points elsewhere."""
    link = link.strip()
    if not link or link.startswith(("#", "data:", "mailto:", "javascript:")):
        return None
    absolute = urlsplit(urljoin("http://site" + base, link))
    if absolute.netloc != "site" and absolute.netloc not in crawl.hosts:
        return None
    return absolute.path + (f"?{absolute.query}" if absolute.query else "")


def _relative(target: str, from_file: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(from_file) or ".")


def _links_in_html(text: str) -> list[str]:
    links = [html.unescape(m[3]) for m in ATTRIBUTE.finditer(text)]
    for m in SRCSET.finditer(text):
        links += [c.strip().split()[0] for c in html.unescape(m[3]).split(",") if c.strip()]
    return links


def _fetch(crawl: Crawl, url: str) -> None:
    if url in crawl.pages or url in crawl.redirects or url in crawl.missing:
        return
    response = crawl.client.get(url)
    if response.status_code in (301, 302, 307, 308):
        target = _local_url(response["Location"], url, crawl)
        if target is None or not _is_page_url(urlsplit(target).path, crawl):
            crawl.missing.add(url)
            return
        crawl.redirects[url] = target
        crawl.queue.append(target)
        return
    if response.status_code != 200 or getattr(response, "streaming", False):
        crawl.missing.add(url)
        return
    content_type = response.get("Content-Type", "text/html")
    page = Fetched(_file_for(url, content_type), response.content, content_type)
    crawl.pages[url] = page
    if len(crawl.pages) > crawl.limit:
        raise RuntimeError(
            f"more than {crawl.limit} pages: raise --max-pages if the site is that big"
        )
    if content_type.startswith("text/html"):
        for link in _links_in_html(OMIT.sub("", page.body.decode())):
            local = _local_url(link, url, crawl)
            if local is None:
                continue
            path = urlsplit(local).path
            if path.startswith(settings.STATIC_URL) or _is_media(path):
                _asset(crawl, urlsplit(local).path)
            elif _is_page_url(path, crawl):
                crawl.queue.append(local)


def _is_media(path: str) -> bool:
    media = settings.MEDIA_URL
    return bool(media) and media != "/" and path.startswith(media)


def _read_asset(path: str) -> bytes | None:
    if path.startswith(settings.STATIC_URL):
        name = path[len(settings.STATIC_URL) :]
        found = finders.find(name)
        if not found:
            collected = Path(settings.STATIC_ROOT) / name
            found = str(collected) if collected.is_file() else None
        if isinstance(found, list):
            found = found[0] if found else None
        return Path(found).read_bytes() if found else None
    name = path[len(settings.MEDIA_URL) :]
    if not name or not default_storage.exists(name):
        return None
    with default_storage.open(name) as f:
        return f.read()


def _asset(crawl: Crawl, path: str) -> None:
    if path in crawl.assets or ".." in path.split("/"):
        return
    data = _read_asset(path)
    if data is None:
        return
    crawl.assets[path] = path.lstrip("/")
    crawl.pages["asset:" + path] = Fetched(path.lstrip("/"), data, "")
    if path.endswith(".css"):
        for m in CSS_URL.finditer(data.decode("utf-8", "replace")):
            local = _local_url(m[2] or m[4], path, crawl)
            if local is not None:
                _asset(crawl, urlsplit(local).path)


def _rewrite_link(link: str, base: str, page_file: str, crawl: Crawl) -> str:
    local = _local_url(link, base, crawl)
    if local is None:
        return link
    fragment = urlsplit(link).fragment
    suffix = f"#{fragment}" if fragment else ""
    seen = set()
    while local in crawl.redirects and local not in seen:
        seen.add(local)
        local = crawl.redirects[local]
    target = None
    if local in crawl.pages:
        target = crawl.pages[local].path
    elif urlsplit(local).path in crawl.assets:
        target = crawl.assets[urlsplit(local).path]
    elif local.lstrip("/") in crawl.log_files:
        target = local.lstrip("/")
    if target is not None:
        return _relative(target, page_file) + suffix
    # Not in the mirror (a form, a staff page, a query the export did not follow): the site.
    return crawl.origin + local + suffix if crawl.origin and local.startswith("/") else link


def _rewrite_html(page: Fetched, url: str, crawl: Crawl) -> bytes:
    text = OMIT.sub("", page.body.decode())

    def attribute(m: re.Match[str]) -> str:
        link = _rewrite_link(html.unescape(m[3]), url, page.path, crawl)
        return f"{m[1]}{m[2]}{html.escape(link, quote=True)}{m[2]}"

    def srcset(m: re.Match[str]) -> str:
        candidates = []
        for candidate in html.unescape(m[3]).split(","):
            parts = candidate.strip().split(maxsplit=1)
            if parts:
                parts[0] = _rewrite_link(parts[0], url, page.path, crawl)
                candidates.append(" ".join(parts))
        return f"{m[1]}{m[2]}{html.escape(', '.join(candidates), quote=True)}{m[2]}"

    return SRCSET.sub(srcset, ATTRIBUTE.sub(attribute, text)).encode()


def _rewrite_css(asset: Fetched, url: str, crawl: Crawl) -> bytes:
    def replace(m: re.Match[str]) -> str:
        if m[2]:
            return f"url({m[1]}{_rewrite_link(m[2], url, asset.path, crawl)}{m[1]})"
        return f"@import {m[3]}{_rewrite_link(m[4], url, asset.path, crawl)}{m[3]}"

    return CSS_URL.sub(replace, asset.body.decode("utf-8", "replace")).encode()


def _language_index(crawl: Crawl) -> bytes:
    links = []
    for code, name in settings.LANGUAGES:
        url = f"/{code}/"
        if url in crawl.pages:
            links.append(f'<li><a href="{code}/index.html" lang="{code}">{html.escape(name)}</a>')
    first = settings.LANGUAGE_CODE
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0; url={first}/index.html">'
        f"<title>{html.escape(settings.SITE_NAME)}</title></head>"
        f"<body><ul>{''.join(links)}</ul></body></html>\n"
    ).encode()


def export(directory: Path, *, origin: str = "", host: str = "", max_pages: int = 100_000) -> dict:
    """Write the mirror into ``directory`` (which must be empty or absent) and sign it."""
    if directory.exists() and any(directory.iterdir()):
        raise RuntimeError(f"{directory} is not empty: export into a new directory")
    directory.mkdir(parents=True, exist_ok=True)
    logexport.export(directory)
    log_files = set(manifest.files_under(directory))
    allowed = [h.lstrip(".") for h in settings.ALLOWED_HOSTS if h not in ("*", "")]
    host = host or (allowed[0] if allowed else "localhost")
    hosts = {host, *allowed, *(a + ":80" for a in allowed), *(a + ":443" for a in allowed)}
    if origin:
        hosts.add(urlsplit(origin).netloc)
    crawl = Crawl(Client(HTTP_HOST=host), hosts, origin.rstrip("/"), max_pages)
    crawl.log_files = log_files
    crawl.days = {
        day.isoformat()
        for day in Person.objects.published()
        .order_by()
        .values_list("submission__declared_on", flat=True)
        .distinct()
    } | {timezone.localdate().isoformat()}  # where "statements/" sends readers
    entries = [*ENTRY_POINTS, *(f"statements/{day}/" for day in sorted(crawl.days))]
    crawl.queue.extend(f"/{code}/{entry}" for code in _languages() for entry in entries)
    while crawl.queue:
        _fetch(crawl, crawl.queue.popleft())
    written = 0
    for url, page in crawl.pages.items():
        if page.path in log_files:
            continue  # the log export's bytes are the ones a verifier checks
        target = directory / page.path
        if url.startswith("asset:"):
            body = _rewrite_css(page, url[6:], crawl) if page.path.endswith(".css") else page.body
        elif page.content_type.startswith("text/html"):
            body = _rewrite_html(page, url, crawl)
        else:
            body = page.body
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        written += 1
    (directory / "index.html").write_bytes(_language_index(crawl))
    files = manifest.sign_directory(directory, mirror_signer())
    return {
        "files": files,
        "pages": sum(1 for url in crawl.pages if not url.startswith("asset:")),
        "assets": len(crawl.assets),
        "log_files": len(log_files),
        "written": written,
    }
