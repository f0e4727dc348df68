"""Settings, read from the environment with safe defaults.

Every variable is documented in the README ("Configuration"). With nothing set,
the service runs on the embedded defaults: a SQLite file and Celery's
filesystem transport under ``var/``, so it needs no server to try out.

Importing this module reads the environment (and the development key, if there is
one) and touches nothing: the folders and the key are made at start-up by
``callbackproject/setup.py``. The apps' own settings keep their defaults in each
app's ``conf.py``; they are set here only when the environment sets them.
"""

import datetime as dt
import secrets
from pathlib import Path

import environ
from corsheaders.defaults import default_headers
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from . import static_headers

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

# Off unless set; manage.py sets it on for a checkout, where nobody sets it by hand.
DEBUG = env.bool("DEBUG", default=False)

# Development only: one random key kept on disk so logins survive restarts and every process
# (web, worker, beat) signs with the same key. The first process to start writes its key there
# (setup.var_prepare); until then there is none, and a process makes one of its own.
DEV_SECRET_KEY_FILE = VAR_DIR / "dev_secret_key" if DEBUG and not env.str("SECRET_KEY", default="") else None


def _secret_key() -> str:
    key = env.str("SECRET_KEY", default="")
    if key:
        return key
    if DEV_SECRET_KEY_FILE is None:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    try:
        return DEV_SECRET_KEY_FILE.read_text().strip()
    except FileNotFoundError:
        return secrets.token_urlsafe(50)


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "phonenumber_field",
    "django_celery_beat",
    "captcha",
    "django_htmx",
    "csp",
    "axes",
    "callbackproject",
    "queues",
    "callbacks",
    "rules",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from the app server: compressed, hashed names cached for a year (README "Production").
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    # JSON, never an HTML page, for a database error on /api/ and /engagement/ (callbackproject/errors.py).
    "callbackproject.base.errors.ApiErrorMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout into the page or JSON of callbackproject/lockout.py.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "callbackproject.urls"
WSGI_APPLICATION = "callbackproject.wsgi.application"
ASGI_APPLICATION = "callbackproject.asgi.application"

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
    },
]

# The embedded default is a SQLite file; production and CI use PostgreSQL.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'callbacks.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=0))
# A persistent connection the server dropped is replaced at the next request rather than failing it.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
# An API answers 503 with this Retry-After while the database is unreachable.
DATABASE_RETRY_AFTER_SECONDS = env.int("DATABASE_RETRY_AFTER_SECONDS", default=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
CACHES = {
    "default": (
        # Short timeouts: a stopped or unreachable Redis costs a request a second at most, and
        # every use of the cache carries on without it (callbackproject/cache.py).
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": env.float("REDIS_CONNECT_TIMEOUT", default=1.0),
                "socket_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=1.0),
            },
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password guessing is throttled on every sign-in (pages, admin, API token) by django-axes: after
# AXES_FAILURE_LIMIT failures an account, and separately an address, is locked for AXES_COOLOFF_MINUTES;
# an administrator unlocks earlier by deleting the access attempts in the admin (or `manage.py axes_reset`).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.float("AXES_COOLOFF_MINUTES", default=15))
# Two entries: either the account or the address reaching the limit locks (one list of both would need both).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "callbackproject.lockout.lockout_response"
# The client address exactly as DRF's throttles read it (REST_FRAMEWORK["NUM_PROXIES"]).
AXES_CLIENT_IP_CALLABLE = "callbackproject.lockout.client_address"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT: Path | None = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# With DEBUG on, files come straight from the apps' static/ folders, no collectstatic needed.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Keeps the unhashed widget scripts (the embed tags' addresses: callback/v1/widget.js, and callback/widget.js
# for older tags) next to the hashed names.
WHITENOISE_KEEP_ONLY_HASHED_FILES = False
# The widget scripts' own cache and CORS headers; WhiteNoise takes the callable itself, not a dotted path.
WHITENOISE_ADD_HEADERS_FUNCTION = static_headers.add_headers

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = env.str("SECURE_REFERRER_POLICY", default="same-origin")
# The pages run only our own scripts (no inline script or handler); styles may be inline, as
# the admin's and Swagger UI's are. The APIs answer JSON, which a policy does not concern.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/v1/", "/engagement/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Joining the browsers' preload list binds every subdomain for good: the operator opts in, so its check is quiet.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Only behind a TLS-terminating proxy that always sets X-Forwarded-Proto; otherwise a client could claim HTTPS.
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)

# Phone numbers are parsed with `phonenumbers` and stored as E.164.
PHONENUMBER_DB_FORMAT = "E164"
PHONENUMBER_DEFAULT_FORMAT = "E164"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's own, but refusing JSON that decodes to no text or number (callbackproject/api.py).
    "DEFAULT_PARSER_CLASSES": [
        "callbackproject.base.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "callbackproject.base.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "auth": env.str("THROTTLE_AUTH", default="20/min"),
        # A busy office behind one address books well under this; a script does not.
        "public_create": env.str("THROTTLE_PUBLIC_CREATE", default="60/min"),
        "public_read": env.str("THROTTLE_PUBLIC_READ", default="300/min"),
        "public_number": env.str("THROTTLE_PUBLIC_NUMBER", default="10/hour"),
    },
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Callback service API",
    "DESCRIPTION": "Customer, agent and staff APIs of the self-hosted callback service.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request bodies get their own components, so a field that refuses blanks says minLength 1.
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The Genesys-compatible API's key (callbacks/compat/ges_schema.py).
    "APPEND_COMPONENTS": {"securitySchemes": {"gesApiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"}}},
}

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
# The customers' API and the Genesys-compatible one; callbacks/cors.py decides each origin.
CORS_URLS_REGEX = r"^/(api/v1/public|engagement/v3)/.*$"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = (*default_headers, "idempotency-key", "x-api-key", "x-correlation-id")
# Lets the widget read how long to wait after a 429, and a GES client the id of its request.
CORS_EXPOSE_HEADERS = ["Retry-After", "X-Correlation-ID"]

# Celery. With no broker configured, Celery's filesystem transport keeps the
# queue in var/celery so the worker and beat need no server. Production: Redis.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The transport does not make its folders: setup.var_prepare does, at start-up.
    _celery_dir = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
else:
    # A task whose worker died unacknowledged (acks_late) is redelivered after the visibility
    # timeout. Every task is an idempotent tick over the rows, so running one twice is harmless
    # and a short timeout brings a killed worker's task back within minutes: CELERY_TASK_TIME_LIMIT,
    # plus a minute so a task still running is not handed out again. A countdown or ETA longer
    # than this would be redelivered early; no task is sent with either.
    # A worker looks for such overdue tasks every 10 s (not kombu's default of every 100 s).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300 + 60),
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    }
    # A stopped broker fails a publish within a second (enqueue_after_commit logs it and the beat
    # picks the work up); a synchronous command on a half-open connection gives up after a few.
    CELERY_BROKER_TRANSPORT_OPTIONS |= {"socket_connect_timeout": 1, "socket_timeout": 5}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# The apps' own settings, set only when the environment sets them: what each means and its
# default are in the app's conf.py (callbacks/conf.py, reporting/conf.py), the one place it reads them.
if "CALLBACK_DEFAULT_HANDLE_SECONDS" in env:
    CALLBACK_DEFAULT_HANDLE_SECONDS = env.int("CALLBACK_DEFAULT_HANDLE_SECONDS")
if "CALLBACK_HANDLE_TIME_WINDOW_HOURS" in env:
    CALLBACK_HANDLE_TIME_WINDOW_HOURS = env.int("CALLBACK_HANDLE_TIME_WINDOW_HOURS")
if "CALLBACK_RETENTION_DAYS" in env:
    CALLBACK_RETENTION_DAYS = env.int("CALLBACK_RETENTION_DAYS")
if "CALLBACK_CONSENT_TEXT" in env:
    CALLBACK_CONSENT_TEXT = env.str("CALLBACK_CONSENT_TEXT")
if "CALLBACK_GES_CONSENT_TEXT" in env:
    CALLBACK_GES_CONSENT_TEXT = env.str("CALLBACK_GES_CONSENT_TEXT")
if "TROUBLESHOOTING_RETENTION_DAYS" in env:
    TROUBLESHOOTING_RETENTION_DAYS = env.int("TROUBLESHOOTING_RETENTION_DAYS")
if "WIDGET_EVENT_RETENTION_DAYS" in env:
    WIDGET_EVENT_RETENTION_DAYS = env.int("WIDGET_EVENT_RETENTION_DAYS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # corr: the corrId of the GES request being served, so a support case finds its lines.
        "corr_id": {"()": "callbacks.compat.correlation.CorrIdFilter"},
        "routine_client_error": {"()": "callbackproject.log_filters.RoutineClientError"},
        "quiet_ticks": {"()": "callbackproject.log_filters.QuietTicks"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s%(corr)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["corr_id"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # On the loggers rather than the handler: the Celery worker replaces the root's handlers with its own.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Its start banner and every sign-in at INFO; lockouts are warnings and still show.
        "axes": {"level": "WARNING"},
        "django.request": {"filters": ["routine_client_error"]},
        # The beat's ticks, every few seconds: sent (beat), received and succeeded (worker).
        **{
            name: {"filters": ["quiet_ticks"]} for name in ("celery.beat", "celery.worker.strategy", "celery.app.trace")
        },
    },
}
