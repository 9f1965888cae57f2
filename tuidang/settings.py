"""The one settings module. Every knob is an environment variable with a safe default.

Each ``TUIDANG_*`` variable read here is documented in README.md (a test checks that).
"""

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from tuidang.conf import data_dir, env, env_bool, env_int, mail_settings, read_or_create_secret

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = data_dir()

SECRET_KEY = env("TUIDANG_SECRET_KEY") or read_or_create_secret("django-secret-key")
DEBUG = env_bool("TUIDANG_DEBUG", False)
ALLOWED_HOSTS = [
    h for h in env("TUIDANG_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h
]
SITE_NAME = env("TUIDANG_SITE_NAME", "tuidang")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp_webauthn",
    "django_countries",
    # The Tasks API (django.tasks from Django 6; the backport here) with its database backend.
    "django_tasks",
    "django_tasks_db",
    "tuidang.accounts",
    "tuidang.transparency",
    "tuidang.declarations",
    "tuidang.hotline",
    "tuidang.cases",
    "tuidang.mirror",
    # The newsroom's comments and e-mail followers (issue 11) refer to Wagtail's pages
    # (wagtailcore.Page), not to the newsroom's own models.
    "tuidang.newsroom_comments",
    "tuidang.newsroom_subscriptions",
    # The newsroom (issue 11) on Wagtail: tuidang/newsroom, docs/newsroom.md. No wagtail.embeds
    # (oEmbed fetches from third parties); wagtail.documents only because the admin needs it
    # (its files are not served: no URL for them in tuidang/urls.py).
    "tuidang.newsroom",
    "wagtail.contrib.routable_page",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.images",
    "wagtail.documents",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    # First: nothing after it sees the client's address or user agent in clear.
    "tuidang.privacy.PrivacyMiddleware",
    # HTTP/1.1 without Host: 400 (Django would take the server's own name for it).
    "tuidang.hosts.RequireHostMiddleware",
    # Before anything reads a body: oversized and multipart bodies are refused from their headers.
    "tuidang.bodylimit.BodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (static files come pre-compressed), outside everything that makes pages.
    "tuidang.compression.PageCompressionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # The Wagtail admin (/cms/) only for verified editors; its own CSP (tuidang/newsroom).
    "tuidang.newsroom.middleware.CmsAccessMiddleware",
    "tuidang.newsroom.middleware.OnionLocationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# POST /api/v1/declarations runs through these alone (``tuidang.asgi``): an anonymous JSON call
# needs no static files, session, CSRF check (the view is exempt), user, two-factor state, CMS
# gate, Onion-Location (HTML only) or messages. Every safety middleware stays: privacy, Host,
# body limit, security headers, compression, the request's language, X-Frame-Options.
API_INTAKE_MIDDLEWARE = [
    name
    for name in MIDDLEWARE
    if name
    not in {
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django_otp.middleware.OTPMiddleware",
        "tuidang.newsroom.middleware.CmsAccessMiddleware",
        "tuidang.newsroom.middleware.OnionLocationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    }
]
API_INTAKE_PATH = "/api/v1/declarations"

ROOT_URLCONF = "tuidang.urls"
WSGI_APPLICATION = "tuidang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tuidang.context_processors.site",
            ],
            # Not apps of their own: the project's template filters. {% load numbers %}: numbers
            # by language; {% load text %}: the language of typed text, receipt codes.
            "libraries": {"numbers": "tuidang.templatetags.numbers", "text": "tuidang.text"},
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env("TUIDANG_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'tuidang.sqlite3'}",
        conn_max_age=env_int("TUIDANG_DB_CONN_MAX_AGE", 600),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = None  # one connection per worker, kept open
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock when a
        # transaction starts, so two writers queue on busy_timeout instead of deadlocking.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
            # Freed cells and pages are overwritten with zeros: text removed for safety must
            # leave the file, not only the row (tuidang/dbfiles.py).
            " PRAGMA secure_delete=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"].setdefault("TEST", {})["NAME"] = None  # in-memory test database
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate-limit state, the daily rate-limit secret) ------------------------------------
REDIS_URL = env("TUIDANG_REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Two deployments (or a deployment and its tests) may share one Redis database.
            "KEY_PREFIX": env("TUIDANG_REDIS_KEY_PREFIX") or "tuidang",
        }
    }
else:
    # Per process: with several web workers each keeps its own counters. Set
    # TUIDANG_REDIS_URL to share rate-limit state across workers and machines.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts ------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts-login"
LOGIN_REDIRECT_URL = "accounts-home"
OTP_TOTP_ISSUER = SITE_NAME
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("TUIDANG_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 8 * 3600
# Gone when the browser closes: a dated cookie on a declarant's phone would show they visited.
CSRF_COOKIE_AGE = None
# Staff messages wait in the (server-side, expiring) session, never in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Login throttling slows guessing and never locks anyone out; see tuidang/accounts/throttling.py.
LOGIN_ATTEMPTS_PER_MINUTE = env_int("TUIDANG_LOGIN_ATTEMPTS_PER_MINUTE", 10)
LOGIN_BACKOFF_FREE_FAILURES = env_int("TUIDANG_LOGIN_BACKOFF_FREE_FAILURES", 3)
LOGIN_BACKOFF_MAX_SECONDS = env_int("TUIDANG_LOGIN_BACKOFF_MAX_SECONDS", 900)
LOGIN_ACCOUNT_FAILURES_PER_HOUR = env_int("TUIDANG_LOGIN_ACCOUNT_FAILURES_PER_HOUR", 100)
LOGIN_ACCOUNT_BACKOFF_SECONDS = env_int("TUIDANG_LOGIN_ACCOUNT_BACKOFF_SECONDS", 10)
LOGIN_DEVICE_COOKIE_DAYS = env_int("TUIDANG_LOGIN_DEVICE_COOKIE_DAYS", 30)
# Passkeys (WebAuthn, through django-otp-webauthn) as a second factor beside TOTP. The origin
# is the site's address as staff browsers see it; its host is the relying-party id that every
# passkey is bound to (changing it later orphans every enrolled passkey).
WEBAUTHN_ORIGIN = env("TUIDANG_WEBAUTHN_ORIGIN", "http://localhost:8000").rstrip("/")
OTP_WEBAUTHN_RP_ID = urlsplit(WEBAUTHN_ORIGIN).hostname or "localhost"
OTP_WEBAUTHN_RP_NAME = SITE_NAME
OTP_WEBAUTHN_ALLOWED_ORIGINS = [WEBAUTHN_ORIGIN]
# A passkey is a second factor after the password here, never a login on its own.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_HELPER_CLASS = "tuidang.accounts.passkeys.PasskeyHelper"

# --- Languages -----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("TUIDANG_TIME_ZONE", "UTC")
LOCALE_PATHS = sorted(p for p in (BASE_DIR / "locale").glob("*") if p.is_dir())

# --- Static files --------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# The project-wide files (site.css) live outside any app, so the app finder cannot see them.
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "tuidang.staticstorage.StaticFilesStorage"},
}
# Production serves what `serve` collected into STATIC_ROOT, with its .gz and .br copies;
# only a DEBUG runserver reads the apps' sources (tests: tests/conftest.py).
WHITENOISE_USE_FINDERS = DEBUG
# Django chmods what its storages write (collected static files too) to 0644 by default; files
# in the data dir are the service's alone (tuidang.conf).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# --- Security headers: nothing on any page may reach a third party --------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: other sites learn nothing, but with no-referrer browsers send
# "Origin: null" on our own form posts and CSRF protection (rightly) refuses them.
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# Request bodies: refused from their Content-Length above these sizes (tuidang.bodylimit), before
# anything reads them. Only the staff CSV import takes a file (5 MB and the form around it), and
# it is kept in memory, never spooled to a temporary file.
MAX_BODY_BYTES = env_int("TUIDANG_MAX_BODY_BYTES", 256 * 1024)
UPLOAD_MAX_BODY_BYTES = env_int("TUIDANG_UPLOAD_MAX_BODY_BYTES", 5 * 1024 * 1024 + 64 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_BODY_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BODY_BYTES

# --- Declarations: intake and moderation ------------------------------------------------------
# All intake throttling and burst flagging; "off" for load tests only.
RATE_LIMITS = env_bool("TUIDANG_RATE_LIMITS", True)
# Submissions one client may make per hour (keyed by a daily-rotating HMAC of its address).
RATE_LIMIT_SUBMISSIONS_PER_HOUR = env_int("TUIDANG_RATE_LIMIT_SUBMISSIONS_PER_HOUR", 30)
# More than this many submissions from one client within 10 minutes are queued as a burst.
BURST_THRESHOLD = env_int("TUIDANG_BURST_THRESHOLD", 5)
# Accept clean submissions at once; "off" sends every submission to the moderator queue.
AUTO_ACCEPT = env_bool("TUIDANG_AUTO_ACCEPT", True)
# The intake queue (docs/scaling.md): the partner API stores one row and answers "received";
# the sequencer moderates queued submissions in batches. Off: moderated in the request.
INTAKE_QUEUE = env_bool("TUIDANG_INTAKE_QUEUE", False)
# People one staff account may enter per day (intake, CSV import) that follow the policy above;
# beyond it, and with the default 0 for all of them, they wait for a second person to accept.
STAFF_DAILY_QUOTA = env_int("TUIDANG_STAFF_DAILY_QUOTA", 0)
# A person with the same alias, region and organisations within this many days is a likely duplicate.
DUPLICATE_WINDOW_DAYS = env_int("TUIDANG_DUPLICATE_WINDOW_DAYS", 30)
STATEMENT_MAX_LENGTH = env_int("TUIDANG_STATEMENT_MAX_LENGTH", 2000)
NAME_MAX_LENGTH = 60
FAMILY_MAX_SIZE = 10
SPAM_WORDS = [
    w.strip().lower()
    for w in env(
        "TUIDANG_SPAM_WORDS", "casino,viagra,loan offer,crypto giveaway,博彩,代开发票"
    ).split(",")
    if w.strip()
]
STATEMENTS_PER_PAGE = 50
# Days a submission may wait for review before housekeeping rejects it as expired; rejected
# submissions lose their names, statements and contact at once (docs/privacy.md).
RETENTION_DAYS = env_int("TUIDANG_RETENTION_DAYS", 90)
# The transparency log's identity (the checkpoint origin line and signing key name); see docs/log-format.md.
LOG_ORIGIN = env("TUIDANG_LOG_ORIGIN", "tuidang.localhost/log")
# Extra signing key files (comma-separated paths) that also sign checkpoints during a key rotation.
LOG_EXTRA_KEYS = [p.strip() for p in env("TUIDANG_LOG_EXTRA_KEYS").split(",") if p.strip()]
# Witnesses that cosign checkpoints (c2sp.org/tlog-witness): ";"-separated "<vkey> <url>" pairs.
WITNESSES = [tuple(w.split()) for w in env("TUIDANG_WITNESSES").split(";") if w.strip()]
# Seconds between two pushes of the latest checkpoint to the witnesses.
WITNESS_INTERVAL = env_int("TUIDANG_WITNESS_INTERVAL", 300)
# The log takes declarations in batches at multiples of this many seconds, never on arrival,
# and carries fewer than LOG_MIN_BATCH waiting people over for up to LOG_MAX_WAIT seconds
# (tuidang/transparency/batches.py, docs/privacy.md).
LOG_INTERVAL = float(env("TUIDANG_LOG_INTERVAL", "3600"))
LOG_MIN_BATCH = env_int("TUIDANG_LOG_MIN_BATCH", 10)
LOG_MAX_WAIT = env_int("TUIDANG_LOG_MAX_WAIT", 86400)

# --- Background tasks -----------------------------------------------------------------------
# Tasks wait in the database until `tuidang worker` (started by `tuidang serve`) runs them: no
# broker. Tasks take ids, never personal data, as arguments: a task's row keeps its arguments,
# its result and any error text until the worker prunes finished rows (TASK_RESULT_HOURS).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": [],
    }
}
# Hours a finished task's row (arguments, result, error text) is kept before the worker deletes it.
TASK_RESULT_HOURS = env_int("TUIDANG_TASK_RESULT_HOURS", 24)

# --- Outbound e-mail -------------------------------------------------------------------------
# Off unless configured: never a third party's relay by default. TUIDANG_EMAIL_URL is
# smtp://user:password@host:587 (STARTTLS; ?tls=off only for a relay on the same machine) or
# smtps://…:465 (TLS from the start); the separate TUIDANG_EMAIL_HOST/PORT/USER/PASSWORD/TLS/SSL
# variables say the same (tuidang.conf.mail_settings). From: TUIDANG_EMAIL_FROM.
EMAIL_FROM = env("TUIDANG_EMAIL_FROM")
DEFAULT_FROM_EMAIL = EMAIL_FROM or "tuidang@localhost"
# Django mails tracebacks to ADMINS on errors; tuidang sets no ADMINS, so it never does.
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_mail = mail_settings(
    url=env("TUIDANG_EMAIL_URL"),
    host=env("TUIDANG_EMAIL_HOST"),
    port=env("TUIDANG_EMAIL_PORT"),
    user=env("TUIDANG_EMAIL_USER"),
    password=env("TUIDANG_EMAIL_PASSWORD"),
    tls=env("TUIDANG_EMAIL_TLS"),
    ssl=env("TUIDANG_EMAIL_SSL"),
)
EMAIL_BACKEND = _mail.backend
EMAIL_HOST = _mail.host
EMAIL_PORT = _mail.port
EMAIL_HOST_USER = _mail.user
EMAIL_HOST_PASSWORD = _mail.password
EMAIL_USE_TLS = _mail.tls
EMAIL_USE_SSL = _mail.ssl
del _mail
EMAIL_TIMEOUT = env_int("TUIDANG_EMAIL_TIMEOUT", 30)

# --- Casework for people at risk ---------------------------------------------------------------
# Days before a legal stay ends (and before an interview or an appeal deadline) at which the
# case's owner and backup are alerted, once each (tuidang/cases/alerts.py).
CASES_STAY_ALERT_DAYS = sorted(
    {int(d) for d in env("TUIDANG_CASES_STAY_ALERT_DAYS", "30,7,1").split(",") if d.strip()},
    reverse=True,
)
# Largest evidence file a case accepts (kept in memory while it is hashed and sealed, never
# spooled to disk); the evidence upload page takes request bodies up to twice this, so a file a
# little too large gets a message on the form rather than a bare refusal.
CASES_EVIDENCE_MAX_BYTES = env_int("TUIDANG_CASES_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
# Where alert e-mails link to: the site's address as staff browsers see it.
STAFF_BASE_URL = WEBAUTHN_ORIGIN
# --- Newsroom comments and e-mail followers (docs/newsroom-mail.md) -------------------------
# Days after an article is first published that its comments stay open (editors can close
# them sooner or keep them open longer, per page).
COMMENTS_OPEN_DAYS = env_int("TUIDANG_COMMENTS_OPEN_DAYS", 30)
# Comments one client (its hourly client key) may send in ten minutes; then 429.
COMMENTS_PER_10_MINUTES = env_int("TUIDANG_COMMENTS_PER_10_MINUTES", 5)
COMMENT_MAX_LENGTH = 3000
# Follows by e-mail: the site's address in the links of the mail (never the request's host).
FOLLOWERS_SITE_URL = (
    env("TUIDANG_CANONICAL_URL") or env("TUIDANG_WEBAUTHN_ORIGIN", "http://localhost:8000")
).rstrip("/")
# Page models whose first publication is mailed to per-post followers (app_label.model).
FOLLOWERS_PAGE_MODELS = ["newsroom.articlepage"]
FOLLOWERS_BATCH_SIZE = env_int("TUIDANG_FOLLOWERS_BATCH_SIZE", 500)
FOLLOWERS_PER_DOMAIN_PER_BATCH = env_int("TUIDANG_FOLLOWERS_PER_DOMAIN_PER_BATCH", 100)
FOLLOWERS_BATCH_PAUSE = env_int("TUIDANG_FOLLOWERS_BATCH_PAUSE", 30)
# A batch marks its sent deliveries this many at a time: a worker killed mid-batch sends at
# most this many messages again.
FOLLOWERS_MARK_EVERY = env_int("TUIDANG_FOLLOWERS_MARK_EVERY", 25)
FOLLOWERS_CONFIRM_DAYS = 7
FOLLOW_REQUESTS_PER_10_MINUTES = 10

# --- Newsroom (Wagtail): docs/newsroom.md -----------------------------------------------------
WAGTAIL_SITE_NAME = SITE_NAME
# Wagtail's admin is reached only through tuidang's login with its second factor
# (tuidang.newsroom.middleware); these keep Wagtail from offering a password-only way in.
WAGTAILADMIN_LOGIN_URL = "accounts-login"
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILUSERS_PASSWORD_ENABLED = False
# No request from the admin to anyone else: no update check, no news banner, no Gravatar.
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILEMBEDS_FINDERS: list[dict] = []
# Two-person approval: the second editor's approval publishes (tuidang/newsroom/workflows.py).
WAGTAIL_FINISH_WORKFLOW_ACTION = "tuidang.newsroom.workflows.publish_approved"
WAGTAILADMIN_BASE_URL = env("TUIDANG_WEBAUTHN_ORIGIN", "http://localhost:8000").rstrip("/")
WAGTAILIMAGES_IMAGE_MODEL = "newsroom.NewsImage"
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 5 * 1024 * 1024
WAGTAILIMAGES_EXTENSIONS = ["jpg", "jpeg", "png", "webp", "gif"]
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_ALLOW_UNICODE_SLUGS = True
TAGGIT_CASE_INSENSITIVE = True
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
# Content languages: articles may be written in any of these (the interface stays in LANGUAGES).
NEWS_LANGUAGES = [
    c.strip()
    for c in env(
        "TUIDANG_NEWS_LANGUAGES",
        "zh-hans,zh-hant,en,bo,ug,mn,ja,ko,vi,th,id,ms,fr,de,es,pt,ru,ar,fa",
    ).split(",")
    if c.strip()
]
# tag: URIs of feed items are minted under this authority (RFC 4151), never the request's host,
# so a feed read on the main site, a mirror or the onion address gives the same ids.
FEED_AUTHORITY = env("TUIDANG_FEED_AUTHORITY", "tuidang.localhost")
# The onion address (http://…onion) announced in an Onion-Location header on every page.
ONION_URL = env("TUIDANG_ONION_URL").rstrip("/")
# Canonical links point here (scheme and host, e.g. https://news.example); empty: as served.
CANONICAL_URL = env("TUIDANG_CANONICAL_URL").rstrip("/")
# Top posts: views over the last this many hours; fewer counted views than TOP_POSTS_MIN_VIEWS
# and the list shows the most recent posts instead.
TOP_POSTS_HOURS = env_int("TUIDANG_TOP_POSTS_HOURS", 48)
TOP_POSTS_MIN_VIEWS = env_int("TUIDANG_TOP_POSTS_MIN_VIEWS", 20)
# Each web process writes its counted views at most this often (seconds), in one transaction.
TOP_POSTS_FLUSH_SECONDS = env_int("TUIDANG_TOP_POSTS_FLUSH_SECONDS", 60)
# The top posts and the topic counts in the sidebar are recomputed at most this often.
TOP_POSTS_CACHE_SECONDS = 60
ARTICLES_PER_PAGE = 20
# A feed lists the newest this many articles of its list (whole bodies: 20 are about 120 KB).
FEED_ITEMS = env_int("TUIDANG_FEED_ITEMS", 20)
# Rendered feeds and article bodies are kept at most this long (seconds): tally numbers in a
# kept feed are at most this old; a publication replaces them at once (newsroom/caching.py).
NEWS_CACHE_SECONDS = env_int("TUIDANG_NEWS_CACHE_SECONDS", 300)

# --- Logging: never a client address, user agent or request body ---------------------------
LOG_DIR = DATA_DIR / "logs"
LOG_DIR.mkdir(exist_ok=True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {
        "unknown_host_once": {"()": "tuidang.hosts.UnknownHostOnce"},
        "withhold_messages": {"()": "tuidang.worker.WithholdMessages"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "file": {
            "class": "logging.handlers.WatchedFileHandler",
            "filename": str(LOG_DIR / "tuidang.log"),
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["console", "file"], "level": env("TUIDANG_LOG_LEVEL", "INFO")},
    "loggers": {
        # django.request and django.security log the request object on errors; the
        # privacy middleware has already blanked its address and agent by then.
        "django.server": {"handlers": [], "propagate": False},
        # Scanners send unknown hosts by the thousand: one line each, no traceback (hosts.py).
        "django.security.DisallowedHost": {"filters": ["unknown_host_once"]},
        # `tuidang worker` runs a batch every 2 s; the backend's "starting"/"no more tasks"
        # lines would fill the log. Each task's start and end still go to "django_tasks".
        "django_tasks_db": {"level": "WARNING"},
        # A failed task's exception message may name a recipient (worker.py): class and frames only.
        "django_tasks": {"filters": ["withhold_messages"]},
        # WeasyPrint (dossiers) logs every layout step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Wagtail runs its search and reference indexing as tasks: a line for each, unneeded.
        "wagtail": {"level": "WARNING"},
    },
}

# The reverse proxies whose X-Forwarded-Proto header is believed (tuidang.asgi; the variable is
# gunicorn's, kept for deployments configured for it).
FORWARDED_ALLOW_IPS = [a.strip() for a in env("FORWARDED_ALLOW_IPS", "127.0.0.1,::1").split(",")]

# Behind a reverse proxy, the request header (as a META key, e.g. HTTP_X_FORWARDED_FOR) that
# carries the client's address; it is only ever hashed, never kept.
CLIENT_ADDRESS_HEADER = env("TUIDANG_CLIENT_ADDRESS_HEADER")
