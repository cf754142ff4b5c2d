"""One settings module, configured by environment variables (12-factor).

Defaults give the embedded set-up: SQLite, local files, jobs in the database.
Set DATABASE_URL (postgres://...) for PostgreSQL, MOTCUA_DATA_DIR for where files live.
"""

import ipaddress
import os
import tempfile
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("MOTCUA_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("MOTCUA_DEBUG", False)
# Development only: a fixed, published key so sessions survive restarts of `make run`.
# `motcua serve` and `check --deploy` refuse it when DEBUG is off (see motcua.accounts.checks).
DEVELOPMENT_SECRET_KEY = "motcua-development-key-not-for-production"  # noqa: S105
SECRET_KEY = os.environ.get("MOTCUA_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_bool("MOTCUA_REQUIRE_SECRET", False):
        raise RuntimeError("MOTCUA_SECRET_KEY must be set in production")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = os.environ.get("MOTCUA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("MOTCUA_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    # Django's admin with a site that also asks for a verified second factor.
    "motcua.accounts.sites.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "motcua.accounts.thirdparty.AxesConfig",  # axes: login throttling (see motcua.core.logins)
    "django_otp",
    "motcua.accounts.thirdparty.OtpTotpConfig",  # django_otp.plugins.otp_totp
    "motcua.accounts.thirdparty.OtpStaticConfig",  # django_otp.plugins.otp_static: recovery codes
    "csp",
    "motcua.core",
    "motcua.catalog",
    "motcua.dossiers",
    "motcua.portal",
    "motcua.desk",
    "motcua.accounts",
    "motcua.signing",
    "motcua.dvcqg",
    "motcua.payments",
    "motcua.postal",
    "motcua.notify",
    "motcua.serviceindex",
    "motcua.feedback",
    "motcua.reports",
]

MIDDLEWARE = [
    # First: oversized bodies refused from the headers, before any parsing or session work.
    "motcua.core.middleware.BodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # NUL bytes in URLs refused; problem documents for every API error, Vietnamese 405 pages.
    "motcua.core.guards.HostileInputMiddleware",
    # django-csp's, with the settings' policy built once per process.
    "motcua.core.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's and django-otp's, the user (with officer and agency) and the device read by
    # queries compiled once per process (motcua.accounts.middleware).
    "motcua.accounts.middleware.AuthenticationMiddleware",
    "motcua.accounts.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages (the logout notice) and OTP (is_verified): idle logout first, then
    # the second-factor gate.
    "motcua.accounts.middleware.IdleTimeoutMiddleware",
    "motcua.accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a refused login into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "motcua.urls"
WSGI_APPLICATION = "motcua.wsgi.application"

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
            ],
        },
    }
]

# Inputs and selects rendered in Python, the same HTML as Django's widget templates.
FORM_RENDERER = "motcua.core.forms.QuickRenderer"

_default_sqlite = f"sqlite:///{DATA_DIR / 'motcua.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_sqlite), conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of failing
    # half-way with "database is locked" when both try to upgrade a read lock.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Test databases on disk, not in shared-cache memory: shared cache reports "table is
    # locked" instead of waiting, which is not how the real file database behaves.
    # One file per test process, so that two runs side by side never share a database.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"motcua-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's four validators with Vietnamese messages whatever the request's language.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "motcua.accounts.validators.UserAttributeSimilarityValidator"},
    {
        "NAME": "motcua.accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(os.environ.get("MOTCUA_PASSWORD_MIN_LENGTH", 12))},
    },
    {"NAME": "motcua.accounts.validators.CommonPasswordValidator"},
    {"NAME": "motcua.accounts.validators.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Uploads: anything over 1 MB is spooled to a temporary file, never held in memory; the
# temp files live under DATA_DIR so that `sweep_files` removes those a crash left behind.
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_TEMP_DIR = DATA_DIR / "tmp" / "uploads"
FILE_UPLOAD_TEMP_DIR.mkdir(parents=True, exist_ok=True)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
MOTCUA_MAX_ATTACHMENT_BYTES = int(os.environ.get("MOTCUA_MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024))
MOTCUA_MAX_ATTACHMENTS = 20

# Working time (NĐ 118/2025 leaves the office hours to each province): two windows of 4 hours.
MOTCUA_WORK_WINDOWS = [("07:30", "11:30"), ("13:00", "17:00")]
MOTCUA_PAPER_CUTOFF = "15:00"
MOTCUA_PROVINCE_CODE = os.environ.get("MOTCUA_PROVINCE_CODE", "")

# National Public Service Portal (motcua.dvcqg.client): base URL of its services (empty: the
# status messages wait in the outbox), the province's client credentials, timeout in seconds.
MOTCUA_DVCQG_URL = os.environ.get("MOTCUA_DVCQG_URL", "")
MOTCUA_DVCQG_CLIENT_ID = os.environ.get("MOTCUA_DVCQG_CLIENT_ID", "")
MOTCUA_DVCQG_CLIENT_SECRET = os.environ.get("MOTCUA_DVCQG_CLIENT_SECRET", "")
MOTCUA_DVCQG_TIMEOUT = float(os.environ.get("MOTCUA_DVCQG_TIMEOUT", 10))
# Intake of dossiers filed on the portal (motcua.dvcqg.intake): the worker pulls the feed
# every N minutes (0: no schedule; `motcua dvcqg pull` still works) and the portal may push
# records to /api/v1/dvcqg/ho-so/ signed with HMAC-SHA256 of this secret (empty: push off).
MOTCUA_DVCQG_PULL_MINUTES = int(os.environ.get("MOTCUA_DVCQG_PULL_MINUTES", 5))
MOTCUA_DVCQG_PUSH_SECRET = os.environ.get("MOTCUA_DVCQG_PUSH_SECRET", "")
MOTCUA_DVCQG_PULL_PAGE = int(os.environ.get("MOTCUA_DVCQG_PULL_PAGE", 50))
# Daily reconciliation (motcua.dvcqg.reconcile): the dossiers filed in the last N days are
# compared with the portal's every day at HH:MM (local time) when MOTCUA_DVCQG_URL is set.
MOTCUA_DVCQG_RECONCILE_DAYS = int(os.environ.get("MOTCUA_DVCQG_RECONCILE_DAYS", 90))
MOTCUA_DVCQG_RECONCILE_AT = os.environ.get("MOTCUA_DVCQG_RECONCILE_AT", "02:30")

# Online payment of fees (motcua.payments): the platform adapter ("paygov" or a dotted path
# to a PaymentPlatform class; empty: off, counter payments only) and its credentials.
MOTCUA_PAYMENT_PLATFORM = os.environ.get("MOTCUA_PAYMENT_PLATFORM", "")
MOTCUA_PAYGOV_URL = os.environ.get("MOTCUA_PAYGOV_URL", "")
MOTCUA_PAYGOV_MERCHANT_CODE = os.environ.get("MOTCUA_PAYGOV_MERCHANT_CODE", "")
MOTCUA_PAYGOV_SECRET = os.environ.get("MOTCUA_PAYGOV_SECRET", "")
MOTCUA_PAYGOV_TIMEOUT = float(os.environ.get("MOTCUA_PAYGOV_TIMEOUT", 10))
# Where the platform sends notifications; empty: this site's own webhook address.
MOTCUA_PAYMENT_NOTIFY_URL = os.environ.get("MOTCUA_PAYMENT_NOTIFY_URL", "")
MOTCUA_PAYMENT_ORDER_TTL_MINUTES = int(os.environ.get("MOTCUA_PAYMENT_ORDER_TTL_MINUTES", 1440))
# payments-check: every N minutes, orders pending for at least M minutes are queried.
MOTCUA_PAYMENT_CHECK_MINUTES = int(os.environ.get("MOTCUA_PAYMENT_CHECK_MINUTES", 5))
MOTCUA_PAYMENT_CHECK_AFTER_MINUTES = int(os.environ.get("MOTCUA_PAYMENT_CHECK_AFTER_MINUTES", 10))
MOTCUA_PAYMENT_STALE_DAYS = int(os.environ.get("MOTCUA_PAYMENT_STALE_DAYS", 3))

# Public postal service (motcua.postal): the operator's adapter ("buudien", or a dotted path
# to a PostalOperator class), its base URL (empty: orders wait in the outbox, quotes are
# refused), the agency's customer code and API key, and the HMAC-SHA256 secret the operator
# signs its events to /api/v1/postal/events/ with (empty: the webhook is off).
MOTCUA_POSTAL_OPERATOR = os.environ.get("MOTCUA_POSTAL_OPERATOR", "buudien")
MOTCUA_POSTAL_URL = os.environ.get("MOTCUA_POSTAL_URL", "")
MOTCUA_POSTAL_CUSTOMER_CODE = os.environ.get("MOTCUA_POSTAL_CUSTOMER_CODE", "")
MOTCUA_POSTAL_API_KEY = os.environ.get("MOTCUA_POSTAL_API_KEY", "")
MOTCUA_POSTAL_WEBHOOK_SECRET = os.environ.get("MOTCUA_POSTAL_WEBHOOK_SECRET", "")
MOTCUA_POSTAL_TIMEOUT = float(os.environ.get("MOTCUA_POSTAL_TIMEOUT", 10))
# The worker asks the operator about parcels on their way every N minutes (0: never).
MOTCUA_POSTAL_POLL_MINUTES = int(os.environ.get("MOTCUA_POSTAL_POLL_MINUTES", 15))

# Notices to applicants and officers (motcua.notify). Each channel's adapter is a dotted
# path, so a province plugs in its contracted provider; a channel without its URL (SMS,
# Zalo) or without MOTCUA_EMAIL_HOST (e-mail) is off. Secrets only from the environment.
MOTCUA_PUBLIC_URL = os.environ.get("MOTCUA_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
MOTCUA_NOTIFY_ADAPTERS = {
    "email": os.environ.get("MOTCUA_NOTIFY_EMAIL_ADAPTER", "motcua.notify.email.SmtpEmail"),
    "sms": os.environ.get("MOTCUA_NOTIFY_SMS_ADAPTER", "motcua.notify.sms.SmsGateway"),
    "zalo": os.environ.get("MOTCUA_NOTIFY_ZALO_ADAPTER", "motcua.notify.zalo.ZaloChannel"),
}
MOTCUA_NOTIFY_TIMEOUT = float(os.environ.get("MOTCUA_NOTIFY_TIMEOUT", 10))
MOTCUA_NOTIFY_EMAIL_ENABLED = bool(os.environ.get("MOTCUA_EMAIL_HOST"))
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("MOTCUA_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("MOTCUA_EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("MOTCUA_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("MOTCUA_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("MOTCUA_EMAIL_STARTTLS", "") == "1"
EMAIL_USE_SSL = os.environ.get("MOTCUA_EMAIL_SSL", "") == "1"
EMAIL_TIMEOUT = MOTCUA_NOTIFY_TIMEOUT
DEFAULT_FROM_EMAIL = os.environ.get("MOTCUA_EMAIL_FROM", "Mot cua <no-reply@localhost>")
MOTCUA_NOTIFY_SMS_URL = os.environ.get("MOTCUA_NOTIFY_SMS_URL", "")
MOTCUA_NOTIFY_SMS_API_KEY = os.environ.get("MOTCUA_NOTIFY_SMS_API_KEY", "")
MOTCUA_NOTIFY_SMS_SENDER = os.environ.get("MOTCUA_NOTIFY_SMS_SENDER", "MOTCUA")
MOTCUA_NOTIFY_SMS_RECEIPT_SECRET = os.environ.get("MOTCUA_NOTIFY_SMS_RECEIPT_SECRET", "")
MOTCUA_NOTIFY_ZALO_URL = os.environ.get("MOTCUA_NOTIFY_ZALO_URL", "")
MOTCUA_NOTIFY_ZALO_ACCESS_TOKEN = os.environ.get("MOTCUA_NOTIFY_ZALO_ACCESS_TOKEN", "")
MOTCUA_NOTIFY_ZALO_TEMPLATE_ID = os.environ.get("MOTCUA_NOTIFY_ZALO_TEMPLATE_ID", "motcua-1")
MOTCUA_NOTIFY_ZALO_APP_ID = os.environ.get("MOTCUA_NOTIFY_ZALO_APP_ID", "")
MOTCUA_NOTIFY_ZALO_SECRET = os.environ.get("MOTCUA_NOTIFY_ZALO_SECRET", "")
# Local time of the officers' daily digest of overdue steps.
MOTCUA_NOTIFY_DIGEST_AT = os.environ.get("MOTCUA_NOTIFY_DIGEST_AT", "07:00")
# Catalogue sync (motcua.dvcqg.catalogue) and citizens' ratings and questions
# (motcua.dvcqg.feedback): how often the worker pulls them (0: no schedule; the
# `motcua dvcqg catalogue` / `motcua dvcqg feedback` commands still work).
MOTCUA_DVCQG_CATALOGUE_MINUTES = int(os.environ.get("MOTCUA_DVCQG_CATALOGUE_MINUTES", 1440))
MOTCUA_DVCQG_FEEDBACK_MINUTES = int(os.environ.get("MOTCUA_DVCQG_FEEDBACK_MINUTES", 60))

# --- Throttling and request limits ------------------------------------------------------
# Rate-limit counters (motcua.core.ratelimit): in Redis when MOTCUA_REDIS_URL is set, else
# in the database; shared by every app process either way.
MOTCUA_RATELIMIT_REDIS_URL = os.environ.get("MOTCUA_REDIS_URL", "")
# Reverse proxies whose X-Forwarded-For is believed (comma-separated CIDR networks); the
# client is the first address, from the right, outside these networks.
MOTCUA_TRUSTED_PROXIES = [
    n.strip() for n in os.environ.get("MOTCUA_TRUSTED_PROXIES", "").split(",") if n.strip()
]
for _network in MOTCUA_TRUSTED_PROXIES:
    ipaddress.ip_network(_network, strict=False)  # a typo fails at start, not per request
# Public lookup (code + ID number): attempts per client address per window.
MOTCUA_LOOKUP_LIMIT = int(os.environ.get("MOTCUA_LOOKUP_LIMIT", 30))
MOTCUA_LOOKUP_WINDOW_SECONDS = 600
# Online submissions (API and portal): per account and per client address, per hour.
MOTCUA_SUBMIT_LIMIT = int(os.environ.get("MOTCUA_SUBMIT_LIMIT", 20))
MOTCUA_SUBMIT_ADDRESS_LIMIT = int(os.environ.get("MOTCUA_SUBMIT_ADDRESS_LIMIT", 60))
MOTCUA_SUBMIT_WINDOW_SECONDS = 3600
# Logins (django-axes, database handler: shared by every process): per account and per
# address; failures remembered MOTCUA_LOGIN_COOLOFF_MINUTES, the lockout doubling with
# each failure past the limit up to MOTCUA_LOGIN_COOLOFF_MAX_HOURS.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
MOTCUA_LOGIN_COOLOFF_MINUTES = int(os.environ.get("MOTCUA_LOGIN_COOLOFF_MINUTES", 15))
MOTCUA_LOGIN_COOLOFF_MAX_HOURS = int(os.environ.get("MOTCUA_LOGIN_COOLOFF_MAX_HOURS", 24))
AXES_FAILURE_LIMIT = int(os.environ.get("MOTCUA_LOGIN_FAILURE_LIMIT", 5))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = "motcua.core.logins.cool_off"
AXES_USE_ATTEMPT_EXPIRATION = True  # each attempt row expires on its own cool-off
# Attempts refused during a lockout do not prolong it (a user retrying the right password
# is not punished); the next failure after it doubles the cool-off.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "motcua.core.ratelimit.client_ip"
AXES_USERNAME_CALLABLE = "motcua.core.logins.username_of"
AXES_LOCKOUT_CALLABLE = "motcua.core.logins.lockout_response"
AXES_HANDLER = "motcua.core.logins.AuditedAxesHandler"
AXES_VERBOSE = False
# Request bodies (motcua.core.middleware.BodyLimitMiddleware): a small limit everywhere,
# a large one on the upload endpoints, for logged-in clients only.
MOTCUA_MAX_BODY_BYTES = int(os.environ.get("MOTCUA_MAX_BODY_BYTES", 64 * 1024))
MOTCUA_MAX_UPLOAD_BODY_BYTES = int(
    os.environ.get(
        "MOTCUA_MAX_UPLOAD_BODY_BYTES",
        MOTCUA_MAX_ATTACHMENT_BYTES * MOTCUA_MAX_ATTACHMENTS + 1024 * 1024,
    )
)
MOTCUA_UPLOAD_PATHS = [
    r"/api/v1/dossiers/",
    r"/api/v1/dossiers/desk/",
    r"/api/v1/dossiers/[^/]+/actions/[^/]+/",
    r"/thu-tuc/[^/]+/nop-ho-so/",
    r"/ho-so-cua-toi/[^/]+/bo-sung/",
    r"/mot-cua/tiep-nhan-moi/",
    r"/mot-cua/ho-so/[^/]+/[^/]+/",
    r"/admin/.+",
]

# Per-process cache by default; MOTCUA_REDIS_URL shares it between the app's processes
# (rate limits do not depend on it: see above).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("MOTCUA_REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["MOTCUA_REDIS_URL"],
    }

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous API call gets 401 with WWW-Authenticate.
        "motcua.core.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Pages of at most 200 (MAX_PAGE_SIZE); parsers whose errors are Vietnamese problems.
    "DEFAULT_PAGINATION_CLASS": "motcua.core.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PARSER_CLASSES": [
        "motcua.core.parsers.JSONParser",
        "motcua.core.parsers.FormParser",
        "motcua.core.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "motcua.core.problems.problem_exception_handler",
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.URLPathVersioning",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_VERSION": "v1",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Motcua API",
    "DESCRIPTION": "Procedure catalogue, dossier submission, lookup and desk actions.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the installed sidecar package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "motcua.dossiers.api.describe_component_files",
    ],
}

Q_CLUSTER = {
    "name": "motcua",
    "orm": "default",
    "workers": int(os.environ.get("MOTCUA_WORKERS", 1)),
    "timeout": 60,
    "retry": 120,
    "catch_up": False,
    "label": "Tác vụ nền",  # the admin's name for django-q's app
}

# Audit anchors: the chain's head, signed (Ed25519), exported outside the database on a
# schedule, so a rewrite of the chain by someone who can drop the triggers is detected.
# KEY: PEM file path or base64 (raw 32-byte key or PEM/DER); unset = generated on first
# use into DATA_DIR/keys/. URL: optional receiver (outbox, topic audit.anchor).
MOTCUA_AUDIT_ANCHOR_DIR = Path(
    os.environ.get("MOTCUA_AUDIT_ANCHOR_DIR", DATA_DIR / "audit-anchors")
).resolve()
MOTCUA_AUDIT_ANCHOR_KEY = os.environ.get("MOTCUA_AUDIT_ANCHOR_KEY", "")
MOTCUA_AUDIT_ANCHOR_KEY_DIR = DATA_DIR / "keys"
MOTCUA_AUDIT_ANCHOR_URL = os.environ.get("MOTCUA_AUDIT_ANCHOR_URL", "")
MOTCUA_AUDIT_ANCHOR_MINUTES = int(os.environ.get("MOTCUA_AUDIT_ANCHOR_MINUTES", 10))

# Signed results (motcua.signing, PAdES with pyHanko). Keys: PKCS#12 files under
# MOTCUA_SIGNING_KEY_DIR (default DATA_DIR/keys/signing); their passphrase from
# MOTCUA_SIGNING_PASSPHRASE (unset: generated once into the key folder; a key may name
# its own variable). Verification trusts MOTCUA_SIGNING_TRUST_ROOTS (comma-separated PEM
# or DER files) and, when MOTCUA_SIGNING_TRUST_DEMO_CA is on (default: with DEBUG), the
# demo CA of `motcua signing demo-ca`.
MOTCUA_SIGNING_KEY_DIR = os.environ.get("MOTCUA_SIGNING_KEY_DIR", "")
MOTCUA_SIGNING_PASSPHRASE = os.environ.get("MOTCUA_SIGNING_PASSPHRASE", "")
MOTCUA_SIGNING_TRUST_ROOTS = [
    p.strip() for p in os.environ.get("MOTCUA_SIGNING_TRUST_ROOTS", "").split(",") if p.strip()
]
MOTCUA_SIGNING_TRUST_DEMO_CA = env_bool("MOTCUA_SIGNING_TRUST_DEMO_CA", DEBUG)

# One handler, on the root logger. Django's own default config gives the "django" logger a
# console handler of its own under DEBUG, and the record then also reached the root's: every
# line printed twice. Its loggers are emptied here and propagate to the root instead.
# MOTCUA_LOG_JSON (default: on when DEBUG is off): one JSON object per line.
MOTCUA_LOG_JSON = env_bool("MOTCUA_LOG_JSON", not DEBUG)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "motcua.core.logformat.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if MOTCUA_LOG_JSON else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("MOTCUA_LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        # django-axes logs every successful login at INFO; failures (WARNING) are kept,
        # and each one is also in the audit chain.
        "axes": {"level": "WARNING"},
    },
}

# --- Production security -----------------------------------------------------------
# Safe whatever DEBUG says; the TLS-dependent part is switched on by MOTCUA_HTTPS=1 (the
# app sits behind a TLS-terminating proxy that sets X-Forwarded-Proto).
# Django's database sessions, the row read by a query compiled once (core.sessions).
SESSION_ENGINE = "motcua.core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Citizens keep Django's session age; officers are logged out after inactivity.
SESSION_COOKIE_AGE = int(os.environ.get("MOTCUA_SESSION_DAYS", 14)) * 24 * 3600
MOTCUA_OFFICER_IDLE_MINUTES = int(os.environ.get("MOTCUA_OFFICER_IDLE_MINUTES", 30))
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if env_bool("MOTCUA_HTTPS", False):
    # Only the proxy may set this header: it must overwrite any value the client sent.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("MOTCUA_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("MOTCUA_HSTS_SECONDS", 365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("MOTCUA_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("MOTCUA_HSTS_PRELOAD", True)
    # Turning these off is a deliberate choice, not an oversight to warn about.
    SILENCED_SYSTEM_CHECKS = [
        *(["security.W008"] if not SECURE_SSL_REDIRECT else []),
        *(["security.W005"] if not SECURE_HSTS_INCLUDE_SUBDOMAINS else []),
        *(["security.W021"] if not SECURE_HSTS_PRELOAD else []),
    ]

# Second factor (django-otp, TOTP) for officers and staff. On in production; off under
# DEBUG so the demo of `make run` stays usable without an authenticator app.
MOTCUA_REQUIRE_2FA = env_bool("MOTCUA_REQUIRE_2FA", not DEBUG)
OTP_TOTP_ISSUER = os.environ.get("MOTCUA_OTP_ISSUER", "Motcua")

# VNeID login (OpenID Connect through Authlib; motcua.accounts.vneid). Off while the issuer
# or the client id is empty. MOTCUA_VNEID_REDIRECT_URI pins the registered callback address
# (empty: built from the request). MOTCUA_LOCAL_CITIZEN_LOGIN off: citizens may only log in
# through VNeID; officers and administrators always keep password + TOTP.
MOTCUA_VNEID_ISSUER = os.environ.get("MOTCUA_VNEID_ISSUER", "").rstrip("/")
MOTCUA_VNEID_CLIENT_ID = os.environ.get("MOTCUA_VNEID_CLIENT_ID", "")
MOTCUA_VNEID_CLIENT_SECRET = os.environ.get("MOTCUA_VNEID_CLIENT_SECRET", "")
MOTCUA_VNEID_REDIRECT_URI = os.environ.get("MOTCUA_VNEID_REDIRECT_URI", "")
MOTCUA_VNEID_TIMEOUT_SECONDS = float(os.environ.get("MOTCUA_VNEID_TIMEOUT_SECONDS", 10))
MOTCUA_LOCAL_CITIZEN_LOGIN = env_bool("MOTCUA_LOCAL_CITIZEN_LOGIN", True)
# Citizens' own accounts until VNeID is the front door: sign-up with e-mail confirmation and
# password reset by e-mail. Off: those pages answer 404 (VNeID and officers' accounts only).
MOTCUA_LOCAL_SIGNUP = env_bool("MOTCUA_LOCAL_SIGNUP", True)
# Sign-ups and reset e-mails per client address per hour (no mailbox flooding).
MOTCUA_SIGNUP_LIMIT = int(os.environ.get("MOTCUA_SIGNUP_LIMIT", 10))

# E-mail (sign-up confirmation, password reset) through Django's mail backend: SMTP when
# MOTCUA_EMAIL_HOST is set; otherwise printed on the console under DEBUG (make run).
EMAIL_HOST = os.environ.get("MOTCUA_EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("MOTCUA_EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("MOTCUA_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("MOTCUA_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("MOTCUA_EMAIL_STARTTLS", False)
EMAIL_USE_SSL = env_bool("MOTCUA_EMAIL_SSL", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("MOTCUA_EMAIL_FROM", "Motcua <no-reply@localhost>")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_HOST = "localhost"
    EMAIL_BACKEND = (
        "django.core.mail.backends.console.EmailBackend"
        if DEBUG
        else "django.core.mail.backends.smtp.EmailBackend"
    )

# Content-Security-Policy (django-csp 4): no inline script or style anywhere; data: images
# only for Swagger UI's icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
    }
}
