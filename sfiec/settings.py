"""Settings for sfiec, driven by the environment (see the configuration contract in README).

Every variable has an embedded default that needs nothing installed: SQLite, eager Celery,
local-memory cache, console email. Production sets DATABASE_URL, REDIS_URL, EMAIL_URL,
DJANGO_SECRET_KEY and leaves DJANGO_DEBUG off.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters "
        "when DJANGO_DEBUG is off."
    )

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# The needs board (/needs/ and GET /api/v1/needs/ for non-staff): open to anyone when true,
# else only to signed-in partners (and staff).
NEEDS_BOARD_PUBLIC = env.bool("NEEDS_BOARD_PUBLIC", default=False)
# How long a recipient contact's signed link for recording needs stays valid.
NEED_LINK_MAX_AGE_DAYS = env.int("NEED_LINK_MAX_AGE_DAYS", default=14)
_site = environ.urlparse(SITE_URL)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[_site.hostname, "127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = [f"{_site.scheme}://{_site.netloc}"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.humanize",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "sfiec",
    "partners",
    "standards",
    "donations",
    "compliance",
    "shipments",
    "dashboard",  # the staff dashboard and lists; reads every app, nothing imports it
    "demo",  # demo data (seed_demo); last, as it may use every app
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "sfiec.middleware.TooManyFilesMiddleware",
    "sfiec.middleware.NulCharacterMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so it turns a locked-out login anywhere (page, admin) into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sfiec.urls"
WSGI_APPLICATION = "sfiec.wsgi.application"
ASGI_APPLICATION = "sfiec.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sfiec.context_processors.site",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one connection writes; the busy timeout makes a writer wait
    # for the lock instead of failing; IMMEDIATE takes the write lock when a transaction begins,
    # so two transactions that read first never deadlock on upgrading ("database is locked").
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "sfiec",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: without REDIS_URL every task runs eagerly in-process, so a laptop needs no broker.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost"  # a host name keeps kombu from warning
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# Nothing waits on a task's return value (progress is kept in the database), and a result
# store would make publishing wait on Redis during an outage.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = "UTC"
# Unacknowledged tasks of a worker that died go back to the queue after this many seconds;
# longer than the longest task (CELERY_TASK_TIME_LIMIT), so a slow task is never run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 60)
}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
OUTBOX_FLUSH_SECONDS = env.int("OUTBOX_FLUSH_SECONDS", default=30)
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=14)
CELERY_BEAT_SCHEDULE = {
    "outbox-flush": {"task": "sfiec.tasks.outbox_flush_task", "schedule": OUTBOX_FLUSH_SECONDS},
    "receipt-reminders": {
        "task": "shipments.receipt_reminders_send",
        # Hourly: a missed run (beat restarted) costs an hour, and the spacing of the
        # reminders comes from RECEIPT_REMINDER_INTERVAL_DAYS, not from this schedule.
        "schedule": crontab(minute=17),
    },
}
# PDFs render on a queue of their own, so a long document never delays the short tasks;
# `celery worker -Q pdf` consumes it (docker-compose runs a worker for each queue).
CELERY_PDF_QUEUE = env.str("CELERY_PDF_QUEUE", default="pdf")
CELERY_TASK_ROUTES = {
    "shipments.document_tasks.shipment_document_render_task": {"queue": CELERY_PDF_QUEUE},
}
# A late-acknowledged task holds its worker slot until done: take one message at a time.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="SFIEC <noreply@sfiec.example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
STAFF_NOTIFICATION_EMAILS = env.list("STAFF_NOTIFICATION_EMAILS", default=[])

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes first: it refuses a locked-out account or address before any password is checked.
# AccountBackend refuses partners of a deactivated organisation, at login and on every request.
AUTHENTICATION_BACKENDS = ["sfiec.auth.LoginRateLimitBackend", "sfiec.auth.AccountBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "login-landing"  # partners land on their offers
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our zh_Hans number format groups thousands with commas (Django's has no separator).
FORMAT_MODULE_PATH = ["sfiec.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploads and generated documents live outside the static tree and have no public URL:
# they are served only by permission-checked views.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# `manage.py backup` writes its archives here.
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(BASE_DIR / "backups")))
MEDIA_URL = None
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 30

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "partners.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "sfiec.auth.AccountTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's JSON, written sooner for a page of plain values (sfiec.api.renderers).
    "DEFAULT_RENDERER_CLASSES": [
        "sfiec.api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "sfiec.api.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "sfiec.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        # Strict: an unknown parameter, ordering term or unreadable value is a 400.
        "sfiec.api.filters.StrictFilterBackend",
        "sfiec.api.filters.StrictSearchFilter",
        "sfiec.api.filters.StrictOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "sfiec.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "sfiec.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "offer_submit": env.str("OFFER_SUBMIT_RATE", default="20/hour"),
        "compliance_evaluate": env.str("COMPLIANCE_EVALUATE_RATE", default="120/min"),
        "receipt_upload": env.str("RECEIPT_UPLOAD_RATE", default="30/hour"),
    },
}
# A list's COUNT(*) of at least this many rows is cached this long (sfiec.api.pagination).
API_LIST_COUNT_CACHE_SECONDS = env.int("API_LIST_COUNT_CACHE_SECONDS", default=10)
# Each dashboard card and chart is computed at most this often (per language); 0: every request.
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=60)
API_LIST_COUNT_CACHE_MIN = env.int("API_LIST_COUNT_CACHE_MIN", default=1000)
# Personal API tokens (Account → API tokens) last at most this many days.
API_TOKEN_MAX_AGE_DAYS = env.int("API_TOKEN_MAX_AGE_DAYS", default=90)
API_DESCRIPTION = f"""
Offers, lots, compliance, shipments and receipts of donated supplies, for integrations.

## Authentication

Sign in to the web app, open **Account → API tokens** (`/account/tokens/`) and make a token.
Copy it when it is shown: it is shown once, stored only as a hash, and expires (at most
{API_TOKEN_MAX_AGE_DAYS} days). Send it on every request:

    Authorization: Bearer sfiec_…

Scopes: *full* (whatever your role allows), *read-only* (GET only, everywhere) and *tracking*
(only the tracking operations of one carrier's shipments). Revoke a token on the same page.
In this page, press **Authorize** and paste the token under *apiToken*. A partner's token sees
only its own organisation's data. Requests from the signed-in browser use the session instead.

## Conventions

* Lists are paginated: `page` and `page_size` (1–500, default 50).
* Filters, `search` and `ordering` are listed per operation. An unknown query parameter, an
  ordering on a field that is not offered, or a filter value that cannot be read
  (`is_quarantined=-1`) is a **400 naming the parameter**, never silently ignored.
* Every error has one JSON shape:
  `{{"error": {{"status", "code", "message", "fields"?, "details"?}}}}`.
  A change not allowed in the object's current state (an illegal status transition) is a
  **409** whose message gives the reason. Too many requests is a 429 with `Retry-After`.
"""
SPECTACULAR_SETTINGS = {
    "TITLE": "SFIEC donation logistics API",
    "DESCRIPTION": API_DESCRIPTION,
    "VERSION": "1",
    # Tags per resource: the first path segment after /api/v1/.
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "displayOperationId": False},
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from our own static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CurrencyEnum": "sfiec.choices.CURRENCIES",
        "CategoryEnum": "sfiec.choices.Category",
        "AttachmentKindEnum": "sfiec.choices.AttachmentKind",
        "OrganisationKindEnum": "partners.models.Organisation.Kind",
        "OfferStatusEnum": "donations.models.DonationOfferStatus",
        "LotStatusEnum": "donations.models.MaterialLotStatus",
        "ShipmentStatusEnum": "shipments.models.ShipmentStatus",
        "CheckResultEnum": "compliance.models.ComplianceCheck.Result",
    },
}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Sessions end after this many seconds (default 8 hours), idle or not; the server enforces it.
SESSION_COOKIE_AGE = env.int("SESSION_MAX_AGE", default=8 * 3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Eager tasks would log every call into the development server's output.
    "loggers": {
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
        # WeasyPrint logs every layout step of every page at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Intake (issue 4) ---
# Caps on uploaded files: per file, per request (all files together) and how many per request.
UPLOAD_MAX_FILE_BYTES = env.int("UPLOAD_MAX_FILE_BYTES", default=10 * 1024 * 1024)
UPLOAD_MAX_REQUEST_BYTES = env.int("UPLOAD_MAX_REQUEST_BYTES", default=40 * 1024 * 1024)
UPLOAD_MAX_FILES = env.int("UPLOAD_MAX_FILES", default=20)
# Images larger than this many pixels are refused before decoding (decompression bombs).
UPLOAD_MAX_IMAGE_PIXELS = env.int("UPLOAD_MAX_IMAGE_PIXELS", default=40_000_000)
# Rows one spreadsheet import may hold, and how long a previewed import waits for confirmation.
OFFER_IMPORT_MAX_ROWS = env.int("OFFER_IMPORT_MAX_ROWS", default=2000)
# What an uploaded .xlsx may unpack to (all its zip parts together), checked before parsing.
OFFER_IMPORT_MAX_UNPACKED_BYTES = env.int(
    "OFFER_IMPORT_MAX_UNPACKED_BYTES", default=50 * 1024 * 1024
)
OFFER_IMPORT_PREVIEW_SECONDS = env.int("OFFER_IMPORT_PREVIEW_SECONDS", default=3600)
# A partner invitation link stays valid this long (seconds).
PARTNER_INVITE_MAX_AGE = env.int("PARTNER_INVITE_MAX_AGE", default=7 * 24 * 3600)
# Only behind a proxy that sets X-Forwarded-For: how many proxies to trust for the client address.
THROTTLE_TRUSTED_PROXIES = env.int("THROTTLE_TRUSTED_PROXIES", default=0)

# --- Access (issue 8.4, 8.10) ---
# Login rate limit (django-axes), for the login page, the admin and the token endpoint:
# after AXES_FAILURE_LIMIT failures an account, and separately a client address, is locked out
# for the cool-off time. Attempts are kept in the database (visible in the admin); the client
# address is the one the other rate limits use (THROTTLE_TRUSTED_PROXIES).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("LOGIN_LOCKOUT_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "sfiec.throttling.login_client_address"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Content-Security-Policy on every response (django-csp): scripts and styles only from our own
# static files, nothing inline, no framing, forms post only to us. Swagger UI's icons are data:
# images. Swagger UI's start-up script and page styles are files too (see sfiec/urls.py).
_SELF, _NONE = "'self'", "'none'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF],
        "img-src": [_SELF, "data:"],
        "font-src": [_SELF],
        "connect-src": [_SELF],
        "object-src": [_NONE],
        "base-uri": [_SELF],
        "form-action": [_SELF],
        "frame-ancestors": [_NONE],
    }
}

# --- Receipt loop (issue 9) ---
# How long a link in a receipt email works (seconds); every reminder carries a fresh link.
RECEIPT_LINK_MAX_AGE = env.int("RECEIPT_LINK_MAX_AGE", default=30 * 24 * 3600)
# Days the recipient has for the signed receipt after delivery, and for the distribution
# report after the receipt was verified (or an upload rejected).
RECEIPT_DUE_DAYS = env.int("RECEIPT_DUE_DAYS", default=14)
RECEIPT_REPORT_DUE_DAYS = env.int("RECEIPT_REPORT_DUE_DAYS", default=30)
# While a stage is overdue: at most this many reminders, this many days apart; staff are told
# when the same interval has passed after the last one.
RECEIPT_REMINDER_MAX = env.int("RECEIPT_REMINDER_MAX", default=3)
RECEIPT_REMINDER_INTERVAL_DAYS = env.int("RECEIPT_REMINDER_INTERVAL_DAYS", default=3)
# --- Customs documents (issue 9) ---
DOCUMENTS_DEFAULT_INCOTERM = env.str("DOCUMENTS_DEFAULT_INCOTERM", default="DAP")
DOCUMENTS_PORT_OF_LOADING = env.str("DOCUMENTS_PORT_OF_LOADING", default="Shenzhen, China")
# Render attempts (a worker killed mid-render counts) before a document is marked failed.
DOCUMENTS_MAX_ATTEMPTS = env.int("DOCUMENTS_MAX_ATTEMPTS", default=5)
# A document queued or rendering this long has lost its task; generating again re-queues it.
DOCUMENTS_LOST_AFTER_SECONDS = env.int("DOCUMENTS_LOST_AFTER_SECONDS", default=2 * 3600)
