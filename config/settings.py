"""One settings module for every environment, configured by environment variables."""

import ipaddress
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_bool(name: str, default: bool) -> bool:
    """A typo (DJANGO_DEBUG=ture) stops the server rather than silently meaning false."""
    value = os.environ.get(name, "").strip().lower()
    if value == "":
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"{name}={os.environ[name]!r} is not a boolean: use true or false (1/0, yes/no, on/off)."
    )


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)


def local_secret_key() -> str:
    """A per-checkout random key in git-ignored var/, so development needs no configuration."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


# Outside DEBUG, no key is an error (config/checks.py), never a key nobody chose.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or (local_secret_key() if DEBUG else "")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "credentials",
    "regional",
    "config",
]

MIDDLEWARE = [
    "config.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "config.middleware.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.admin_mfa.AdminRequiresMFAMiddleware",
    "credentials.authentication.RateLimitHeadersMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accounts.context_processors.active_account",
                "accounts.context_processors.console_email",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    # A file, not shared-cache memory: concurrent test requests then wait for the lock instead of failing.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

# On PostgreSQL the bearer lookup (credentials/verify.py) is a prepared statement, planned once per
# connection. Behind a pooler in transaction mode that does not keep prepared statements (PgBouncer
# before 1.21, or without max_prepared_statements), set DJANGO_DB_PREPARED_LOOKUPS=false.
DATABASE_PREPARED_LOOKUPS = env_bool("DJANGO_DB_PREPARED_LOOKUPS", True)
# On PostgreSQL the console keeps each bearer lookup per connection, emptied by the database's
# notifications when anything it read changes (credentials/bearer_cache.py), and looks it up again
# after this many seconds anyway; 0 turns the cache off (for a pooler that does not keep LISTEN).
CAAS_BEARER_CACHE_SECONDS = int(os.environ.get("CAAS_BEARER_CACHE_SECONDS", "5"))

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:profile"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# Only confirmed addresses sign in or accept invitations. Mandatory verification is also what lets sign-up
# hide whether an address is registered: the owner of a taken address is emailed instead of being refused.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
# Adding an email address or making one primary asks for the password again (or a TOTP code).
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Credentials as a Service] "
if os.environ.get("ACCOUNT_RATE_LIMITS") == "off":
    ACCOUNT_RATE_LIMITS = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Credentials as a Service"

# Production chooses explicitly (config/checks.py): the console backend would print mail to the log.
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if DEBUG else ""
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "no-reply@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "credentials.authentication.BearerAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "credentials.authentication.HasScope",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Production hardening. Over plain http (local acceptance runs) set DJANGO_SECURE_COOKIES=false
# and DJANGO_SECURE_SSL_REDIRECT=false; behind a TLS-terminating proxy set DJANGO_BEHIND_PROXY.
SECURE_COOKIES = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
# A __Host- cookie is only accepted Secure, with Path=/ and no Domain (Django's defaults), so neither plain http
# nor a sibling subdomain can set or overwrite it. Browsers refuse the prefix without Secure, hence plain names then.
SESSION_COOKIE_NAME = "__Host-sessionid" if SECURE_COOKIES else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if SECURE_COOKIES else "csrftoken"
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# Reverse proxies whose X-Forwarded-For names the client (config/proxies.py): comma-separated CIDRs.
TRUSTED_PROXIES = env_list("DJANGO_TRUSTED_PROXIES")
for _cidr in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_cidr, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"DJANGO_TRUSTED_PROXIES: {_cidr!r} is not an IP address or CIDR.") from None
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# One JSON object per line on stderr (config/logs.py). Django's own handlers are dropped so that
# each record is written once, as JSON; paths with secrets are redacted at the loggers that write
# them, so that no handler at all sees them.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "config.logs.RedactSecretPaths"}},
    "formatters": {"json": {"()": "config.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO"},
        "django.request": {"filters": ["redact"]},
        "django.security.csrf": {"filters": ["redact"]},
        # runserver's access line has the query string; caas.request lines replace it.
        "django.server": {"handlers": [], "propagate": False},
    },
}

from config.openapi import SPECTACULAR_SETTINGS  # noqa: E402, F401 (read by drf-spectacular)

INVITATION_DEFAULT_DAYS = 7
REGIONAL_INSTANCE_QUOTA = int(os.environ.get("REGIONAL_INSTANCE_QUOTA", "10"))
REGIONAL_SSH_KEY_QUOTA = int(os.environ.get("REGIONAL_SSH_KEY_QUOTA", "50"))

# Where the regional services run (README § Scaling). all: one process serves everything, the
# default; console: everything but the regional services; regional: one region's services only,
# on a database of its own, verifying tokens offline and following the console's revocation feed.
CAAS_ROLE = os.environ.get("CAAS_ROLE", "all")
if CAAS_ROLE not in {"all", "console", "regional"}:
    raise ImproperlyConfigured(f"CAAS_ROLE={CAAS_ROLE!r}: choose all, console or regional.")
CAAS_REGION = os.environ.get("CAAS_REGION", "")
CAAS_CONSOLE_URL = os.environ.get("CAAS_CONSOLE_URL", "").rstrip("/")
CAAS_REGION_KEY = os.environ.get("CAAS_REGION_KEY", "")
# A region trusts a client secret's cached answer this long; the revocation feed evicts it at once.
CAAS_SECRET_CACHE_SECONDS = int(os.environ.get("CAAS_SECRET_CACHE_SECONDS", "60"))
# A region that has not heard from the feed for this long answers 503 until it hears again.
CAAS_REVOCATION_MAX_STALENESS = int(os.environ.get("CAAS_REVOCATION_MAX_STALENESS", "60"))
# The longest the console holds a region's long poll open with nothing to say.
CAAS_FEED_WAIT_SECONDS = int(os.environ.get("CAAS_FEED_WAIT_SECONDS", "20"))
if CAAS_ROLE == "regional":
    for _name in ("CAAS_REGION", "CAAS_CONSOLE_URL", "CAAS_REGION_KEY"):
        if not globals()[_name]:
            raise ImproperlyConfigured(f"CAAS_ROLE=regional needs {_name}: see README § Scaling.")
    ROOT_URLCONF = "config.regional_urls"
    # The portal, the admin and sign-in live at the console; the models stay importable.
    INSTALLED_APPS = [
        app
        for app in INSTALLED_APPS
        if not app.startswith(("allauth", "django.contrib.admin", "django.contrib.sessions", "django.contrib.messages"))
    ]
    DATABASE_ROUTERS = ["config.routers.RegionalDatabase"]
    # No sessions, cookies or forms: bearer requests only.
    MIDDLEWARE = [
        "config.logs.RequestLogMiddleware",
        "django.middleware.security.SecurityMiddleware",
        "config.middleware.ContentSecurityPolicyMiddleware",
        "config.middleware.RefuseNulMiddleware",
        "django.middleware.common.CommonMiddleware",
        "credentials.authentication.RateLimitHeadersMiddleware",
    ]
    REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = ["regional.edge.authentication.RegionalBearerAuthentication"]

# OAuth 2.0 token service (credentials/oauth.py). The issuer is the public base URL of this service.
# Required outside DEBUG, and https unless on loopback (config/checks.py).
OAUTH_ISSUER = os.environ.get(
    "OAUTH_ISSUER", CAAS_CONSOLE_URL if CAAS_ROLE == "regional" else "http://127.0.0.1:8000" if DEBUG else ""
).rstrip("/")
OAUTH_AUDIENCE = os.environ.get("OAUTH_AUDIENCE", f"{OAUTH_ISSUER}/regional")
OAUTH_ACCESS_TOKEN_LIFETIME = int(os.environ.get("OAUTH_ACCESS_TOKEN_LIFETIME", "3600"))
# RS256 (RFC 9068's mandatory algorithm), ES256 or Ed25519 (RFC 9864). Changing it pre-publishes a
# key of the new algorithm, which signs once verifiers have had time to fetch it (credentials/signing.py).
OAUTH_SIGNING_ALG = os.environ.get("OAUTH_SIGNING_ALG", "RS256")
if OAUTH_SIGNING_ALG not in {"RS256", "ES256", "Ed25519"}:
    raise ImproperlyConfigured(f"OAUTH_SIGNING_ALG={OAUTH_SIGNING_ALG!r}: choose RS256, ES256 or Ed25519.")
# Verifiers may cache the JWKS this long; a rotated key signs only after they all must have seen it.
OAUTH_JWKS_MAX_AGE = int(os.environ.get("OAUTH_JWKS_MAX_AGE", "300"))
BEARER_REALM = "caas"
# Fixed windows on the shared cache (credentials/throttling.py): (how many, per seconds);
# THROTTLE_<NAME>="count/seconds" overrides, e.g. THROTTLE_REQUESTS_PER_CREDENTIAL="6000/60".
THROTTLE_RATES = {
    name: tuple(int(part) for part in os.environ.get(f"THROTTLE_{name.upper()}", default).split("/"))
    for name, default in {
        "failed_auth_per_ip": "30/60",
        "requests_per_credential": "6000/60",
        "introspections_per_credential": "6000/60",
        "token_per_credential": "60/60",
        "leak_reports_per_ip": "10/60",
    }.items()
}
# Per-credential usage (credentials/usage.py): each process writes its counters at least this often,
# and sooner once this many (credential, hour, region) keys are waiting.
USAGE_FLUSH_SECONDS = int(os.environ.get("USAGE_FLUSH_SECONDS", "30"))
USAGE_MAX_PENDING = int(os.environ.get("USAGE_MAX_PENDING", "1000"))
# Credential governance: reminders this many days before a credential expires (banner and email).
CREDENTIAL_EXPIRY_NOTICE_DAYS = 7
# GitHub's secret-scanning public keys, which sign its reports of found secrets (credentials/secret_scanning.py).
SECRET_SCANNING_GITHUB_KEYS_URL = os.environ.get(
    "SECRET_SCANNING_GITHUB_KEYS_URL", "https://api.github.com/meta/public_keys/secret_scanning"
)
