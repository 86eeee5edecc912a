"""Django settings for cancuoc.

One module, driven by environment variables, so that the demo (SQLite, DEBUG) and production
(PostgreSQL, CANCUOC_ENV=production) differ only in their environment:

- ``DATABASE_URL``: ``postgresql://...`` for PostgreSQL; default is the embedded SQLite file in ``var/``.
- ``CANCUOC_ENV``: ``production`` turns every transport-security setting on.
- ``CANCUOC_DEBUG=1``: Django's debug mode, outside production only (off by default, also in the demo:
  no answer may show a traceback, a path or a setting).
- ``CANCUOC_SECRET_KEY``, ``CANCUOC_ALLOWED_HOSTS``, ``CANCUOC_VAR_DIR``.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("CANCUOC_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

PRODUCTION = os.environ.get("CANCUOC_ENV") == "production"
DEBUG = not PRODUCTION and os.environ.get("CANCUOC_DEBUG", "0") == "1"

_DEV_SECRET = "dev-only-insecure-secret-key-change-me-in-production-0123456789"
SECRET_KEY = os.environ.get("CANCUOC_SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and not SECRET_KEY:
    raise RuntimeError("CANCUOC_SECRET_KEY must be set when CANCUOC_ENV=production")

ALLOWED_HOSTS = os.environ.get("CANCUOC_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django_htmx",
    "ninja",  # its static files: Swagger UI served by us, not from a CDN
    "axes",
    "django_tasks",
    "django_tasks_db",
    "cancuoc.accounts",
    "cancuoc.units",
    "cancuoc.registry",
    "cancuoc.audit",
    "cancuoc.imports",
    "cancuoc.cards",
    "cancuoc.biometrics",
    "cancuoc.enrollment",
    "cancuoc.production",
    "cancuoc.issuance",
    "cancuoc.relying",
    "cancuoc.campaigns",
    "cancuoc.demo",
    "cancuoc.web",
    "cancuoc.protection",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files keep their long caching; every other answer gets the policies.
    "cancuoc.web.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cancuoc.web.middleware.VietnameseFirstMiddleware",
    # Before anything reads the body: oversized bodies get 413; error answers become the site's.
    "cancuoc.web.middleware.ErrorAnswersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cancuoc.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cancuoc.audit.middleware.RequestContextMiddleware",
    # Axes must be last: it turns a locked-out login into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cancuoc.urls"
WSGI_APPLICATION = "cancuoc.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cancuoc.accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'cancuoc.sqlite3'}"),
        # Production keeps each thread's connection open (opening one per request cost three quarters of
        # the throughput: docs/adr/0007-application-server.md), checked before reuse.
        conn_max_age=int(os.environ.get("CANCUOC_DB_CONN_MAX_AGE", "600" if PRODUCTION else "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters travel apart from the SQL, in binary (a 150 KB capture is not written and parsed as a 300 KB
    # hex literal), and a statement a connection runs a fifth time is prepared once and then only executed:
    # about a fifth less CPU per enrollment submission (docs/adr/0009-postgresql-statements.md). Behind a
    # pooler in transaction mode (PgBouncer), turn preparing off: CANCUOC_DB_PREPARE_THRESHOLD=off.
    _binding = os.environ.get("CANCUOC_DB_SERVER_SIDE_BINDING", "on") != "off"
    _prepare = os.environ.get("CANCUOC_DB_PREPARE_THRESHOLD", "5")
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=_binding, prepare_threshold=None if _prepare == "off" or not _binding else int(_prepare)
    )
    _plans = os.environ.get("CANCUOC_DB_PLAN_CACHE_MODE", "force_custom_plan")
    if _binding and _prepare != "off" and _plans != "auto":
        # A prepared statement is still planned for its actual values each time: a generic plan (PostgreSQL's
        # choice after five runs) guesses a third of the rows for ``updated_at > $1`` and may scan the table.
        DATABASES["default"]["OPTIONS"]["options"] = f"-c plan_cache_mode={_plans}"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the task worker writes; the longer timeout rides out
    # the short write locks of a busy worker instead of failing the request.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): five failures lock the username from that address for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
FORMAT_MODULE_PATH = ["cancuoc.formats"]

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("CANCUOC_STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Production serves what `collectstatic` wrote (`cancuoc serve` runs it): hashed names cached for a year
# by WhiteNoise, compressed copies beside them. The demo and the tests serve the package's files as they are.
WHITENOISE_USE_FINDERS = not PRODUCTION
if PRODUCTION:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
MEDIA_ROOT = VAR_DIR / "media"
UPLOAD_ROOT = VAR_DIR / "uploads"
# The largest import file accepted (bytes); a larger upload is refused before it is read.
CANCUOC_IMPORT_MAX_BYTES = int(os.environ.get("CANCUOC_IMPORT_MAX_BYTES", 200 * 1024 * 1024))
# What one import file may ask of the reader (docs/import-format.md, "Limits"); beyond these the file is
# refused with a reason on its job. Only the first CANCUOC_IMPORT_MAX_STORED_ERRORS row errors are stored.
CANCUOC_IMPORT_MAX_ROWS = int(os.environ.get("CANCUOC_IMPORT_MAX_ROWS", 2_000_000))
CANCUOC_IMPORT_MAX_CELL_CHARS = int(os.environ.get("CANCUOC_IMPORT_MAX_CELL_CHARS", 2_000))
CANCUOC_IMPORT_MAX_LINE_CHARS = int(os.environ.get("CANCUOC_IMPORT_MAX_LINE_CHARS", 100_000))
CANCUOC_IMPORT_MAX_DECOMPRESSED_BYTES = int(os.environ.get("CANCUOC_IMPORT_MAX_DECOMPRESSED_BYTES", 1 << 30))
CANCUOC_IMPORT_MAX_STORED_ERRORS = int(os.environ.get("CANCUOC_IMPORT_MAX_STORED_ERRORS", 10_000))
# More rows than this whose numbers exist outside the officer's area or were cancelled refuse the whole file.
CANCUOC_IMPORT_MAX_UNAVAILABLE = int(os.environ.get("CANCUOC_IMPORT_MAX_UNAVAILABLE", 50))
# ... and the same over one officer's last 24 hours, across files: many small files are one sweep too.
CANCUOC_MAX_UNAVAILABLE_PER_DAY = int(os.environ.get("CANCUOC_MAX_UNAVAILABLE_PER_DAY", 100))
# A checking or applying job whose worker gave no sign of life for this long is marked failed (run again).
CANCUOC_IMPORT_STALE_AFTER_SECONDS = int(os.environ.get("CANCUOC_IMPORT_STALE_AFTER_SECONDS", 300))
# Uploaded files are deleted this many days after their job ended (`cancuoc imports purge`, run by the worker).
CANCUOC_IMPORT_RETENTION_DAYS = float(os.environ.get("CANCUOC_IMPORT_RETENTION_DAYS", 7))
# Any request body but a multipart upload (JSON, forms): larger ones get 413 (cancuoc.web.middleware).
# Bodies other than uploads: 1 MB (the middleware answers 413 before reading more), except an enrollment
# application (a portrait and ten fingerprints as base64), which the middleware reads within its own limit
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# where citizens reach the public pages (printed on the appointment slip)
CANCUOC_PUBLIC_URL = os.environ.get("CANCUOC_PUBLIC_URL", "http://127.0.0.1:8000")
# A form may carry a team's outstanding list (2,000 ticked citizens): above Django's default of 1,000 fields.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
CANCUOC_APPLICATION_MAX_BYTES = int(os.environ.get("CANCUOC_APPLICATION_MAX_BYTES", 8 * 1024 * 1024))

# Messages to citizens (cancuoc.issuance.outbox, docs/outbox.md): the sender class (SMS or Zalo in production;
# the default writes to var/outbox/messages.log), tries before a message is given up, how long a claim lasts.
CANCUOC_OUTBOX_SENDER = os.environ.get("CANCUOC_OUTBOX_SENDER", "cancuoc.issuance.outbox.LogSender")
CANCUOC_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("CANCUOC_OUTBOX_MAX_ATTEMPTS", 8))
CANCUOC_OUTBOX_LEASE_SECONDS = int(os.environ.get("CANCUOC_OUTBOX_LEASE_SECONDS", 300))
# Card production (cancuoc.production, docs/production-file.md): the personalisation machine's public key (PEM;
# chip keys are sealed to it), and after how many seconds without a heartbeat a batch's run is taken over.
CANCUOC_PRODUCTION_MACHINE_KEY = os.environ.get("CANCUOC_PRODUCTION_MACHINE_KEY", "")
CANCUOC_PRODUCTION_STALE_AFTER_SECONDS = int(os.environ.get("CANCUOC_PRODUCTION_STALE_AFTER_SECONDS", 120))
# Relying parties' status queries are audited one entry per query: "sync" (committed before each answer) or
# "batched" (up to 200 entries per transaction within 0.25 s; the default in production). docs/relying-parties.md
CANCUOC_STATUS_AUDIT = os.environ.get("CANCUOC_STATUS_AUDIT", "")
# Cards received at a station and not collected after this many days are listed for follow-up.
CANCUOC_UNCOLLECTED_DAYS = int(os.environ.get("CANCUOC_UNCOLLECTED_DAYS", 30))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploads above that size wait in a temporary file for the length of the request: owner-only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

CACHES = {
    # Job progress is written by the worker process and read by the web process: a file cache is
    # shared between them without another server.
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
    }
}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("CANCUOC_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # an ordinary refusal (403, 404) is one line in the log, not a traceback that hides the real errors
    "filters": {"quiet_refusals": {"()": "cancuoc.web.errors.QuietRefusals"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["quiet_refusals"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django.request": {"filters": ["quiet_refusals"]}},
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy, Permissions-Policy and Cache-Control come from cancuoc.web.policies (middleware).
CSRF_FAILURE_VIEW = "cancuoc.web.errors.csrf_failure"
if PRODUCTION:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # A monitor on the machine asks the application server directly, over plain HTTP (docs/deployment.md).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_AGE = 8 * 3600
