"""Settings for Återgång: one file, every value from the environment.

The helpers below refuse values they cannot parse, so a typo in a deployment fails at start-up
instead of silently falling back. Defaults are safe for production; `make run` sets DJANGO_DEBUG=1
for local development. docs/operations.md lists every variable.
"""

from __future__ import annotations

import base64
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

_REQUIRED = object()


def env_str(name: str, default: str | object = _REQUIRED) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is _REQUIRED:
            raise ImproperlyConfigured(f"The environment variable {name} must be set.")
        return default  # type: ignore[return-value]
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false).")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum {minimum}.")
    return number


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of {', '.join(choices)}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ImproperlyConfigured(f"{url!r} is not an http(s) address.")
    return f"{parts.scheme}://{parts.netloc}"


# --- Core -------------------------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", False)

if DEBUG:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-development-key-only-for-make-run")
else:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # The admin site requires a logged-in, strongly authenticated user (config/admin.py).
    "config.apps.AtergangAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "django.contrib.postgres",
    "django_htmx",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "procrastinate.contrib.django",
    "accounts",
    "journal",
    "consent",
    "mbt",
    "coordination",
    "config.apps.ProjectConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.RequestIdMiddleware",
    "config.middleware.ErrorPageMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Before anything loads the session or the user: 503 when the database cannot be reached.
    "config.middleware.DatabaseAvailableMiddleware",
    # Django's, but a session save that fails after a committed write is not an error.
    "config.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.HtmxLoginRedirectMiddleware",
    "accounts.middleware.PageUserMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.ActiveUnitMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes last: it turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.layout",
            ],
        },
    },
]

FORM_RENDERER = "config.forms.FormRenderer"

# --- Database: PostgreSQL only ----------------------------------------------------------------

_DEV_DATABASE_URL = "postgres://atergang:atergang-dev@127.0.0.1:5432/atergang"
_database_url = env_str("DATABASE_URL", _DEV_DATABASE_URL if DEBUG else _REQUIRED)
DATABASES = {
    "default": dj_database_url.parse(
        _database_url,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...).")
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("application_name", "atergang")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts, passwords, sessions --------------------------------------------------------------

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
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"

# The session cookie lives at most the absolute lifetime and dies with the browser; the idle
# timeout and the absolute lifetime are enforced server-side by accounts.middleware.
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("SESSION_IDLE_MINUTES", 30, minimum=2))
SESSION_IDLE_WARNING = timedelta(minutes=2)
SESSION_ABSOLUTE_LIFETIME = timedelta(hours=env_int("SESSION_ABSOLUTE_HOURS", 10, minimum=1))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_LIFETIME.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# Messages live in the session, never in a cookie of their own: some name a patient ("… är
# bordlagt"), and a cookie travels with every request, to proxies and their logs.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Strong authentication: single sign-on (OpenID Connect) and a second factor ---------------

# The region's identity provider, where staff log in with their SITHS/e-tjänstekort. Configured by
# its discovery document; without it, staff log in with a password and a TOTP code.
OIDC_DISCOVERY_URL = env_str("OIDC_DISCOVERY_URL", "")
OIDC_ENABLED = bool(OIDC_DISCOVERY_URL)
if OIDC_ENABLED and not OIDC_DISCOVERY_URL.startswith("https://"):
    from urllib.parse import urlsplit

    # Plain HTTP only to a provider on this machine (the test suite's).
    if urlsplit(OIDC_DISCOVERY_URL).hostname not in {"localhost", "127.0.0.1"}:
        raise ImproperlyConfigured("OIDC_DISCOVERY_URL must be an https:// address.")
OIDC_CLIENT_ID = env_str("OIDC_CLIENT_ID", _REQUIRED if OIDC_ENABLED else "")
OIDC_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET", _REQUIRED if OIDC_ENABLED else "")
OIDC_SCOPES = env_str("OIDC_SCOPES", "openid profile")
if OIDC_ENABLED and "openid" not in OIDC_SCOPES.split():
    raise ImproperlyConfigured("OIDC_SCOPES must include openid.")
# Which claims carry the HSA-id, the name and the title (from the id token, else userinfo).
OIDC_CLAIM_HSA_ID = env_str("OIDC_CLAIM_HSA_ID", "hsa_id")
OIDC_CLAIM_GIVEN_NAME = env_str("OIDC_CLAIM_GIVEN_NAME", "given_name")
OIDC_CLAIM_FAMILY_NAME = env_str("OIDC_CLAIM_FAMILY_NAME", "family_name")
OIDC_CLAIM_TITLE = env_str("OIDC_CLAIM_TITLE", "title")
# Assurance levels (acr values), weakest first, and the weakest that may see patient data. A login
# with an acr not in the list counts as weaker than all of them.
OIDC_ACR_LEVELS = env_list("OIDC_ACR_LEVELS", [])
OIDC_PATIENT_DATA_ACR = env_str("OIDC_PATIENT_DATA_ACR", _REQUIRED if OIDC_ENABLED else "")
if OIDC_ENABLED and OIDC_PATIENT_DATA_ACR not in OIDC_ACR_LEVELS:
    raise ImproperlyConfigured("OIDC_PATIENT_DATA_ACR must be one of OIDC_ACR_LEVELS.")
# acr_values asked of the provider at login (space-separated), e.g. the level above.
OIDC_REQUEST_ACR_VALUES = env_str("OIDC_REQUEST_ACR_VALUES", "")
OIDC_TIMEOUT_SECONDS = env_int("OIDC_TIMEOUT_SECONDS", 10, minimum=1)
# Password login (with a second factor) can be switched off where everyone has an e-tjänstekort.
PASSWORD_LOGIN = env_bool("PASSWORD_LOGIN", True)
if not PASSWORD_LOGIN and not OIDC_ENABLED:
    raise ImproperlyConfigured("PASSWORD_LOGIN=0 needs OIDC_DISCOVERY_URL: nobody could log in.")

# TOTP (django-otp) for local accounts: the issuer shown in the authenticator app; after a wrong
# code the next try waits 1, 2, 4 ... seconds.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Återgång")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# The authenticators' TOTP seeds are stored encrypted (accounts/totp_secrets.py). Keys: 32 random
# bytes in URL-safe base64 (`manage.py totp_keys --new`), comma-separated; the first encrypts,
# all decrypt, so a new key goes first and the old one stays until `manage.py totp_keys
# --rotate` has run (docs/authentication.md). Losing the key loses every authenticator.
_DEV_TOTP_ENCRYPTION_KEY = "ZGV2ZWxvcG1lbnQta2V5LW9ubHktZm9yLW1ha2UtcnU="
TOTP_ENCRYPTION_KEYS = env_list("TOTP_ENCRYPTION_KEYS", [_DEV_TOTP_ENCRYPTION_KEY] if DEBUG else [])
if not TOTP_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("The environment variable TOTP_ENCRYPTION_KEYS must be set.")
for _key in TOTP_ENCRYPTION_KEYS:
    try:
        _key_bytes = base64.urlsafe_b64decode(_key + "=" * (-len(_key) % 4))
    except ValueError:
        _key_bytes = b""
    if len(_key_bytes) != 32:
        raise ImproperlyConfigured(
            "TOTP_ENCRYPTION_KEYS: each key is 32 random bytes in URL-safe base64 "
            "(make one with `manage.py totp_keys --new`)."
        )
# Minutes between a correct password and the code before the password must be given again.
SECOND_FACTOR_PENDING_MINUTES = 5
SECOND_FACTOR_MAX_ATTEMPTS = 5
RECOVERY_CODE_COUNT = 10
# How long an aktiveringskod (for setting up the authenticator app) from an administrator lasts.
ENROLMENT_CODE_HOURS = env_int("ENROLMENT_CODE_HOURS", 72, minimum=1)

# django-axes: lock out by username, never by IP (a whole vårdcentral shares one address).
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "config.middleware.client_ip_for_axes"
AXES_VERBOSE = False

# --- Internationalisation: Swedish first -------------------------------------------------------

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska")]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static files ---------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# In development WhiteNoise serves straight from the app and static folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Uploaded documents: never publicly served ----------------------------------------------

# Signed consent forms and other documents. Served only through views that check access and log
# it; back this folder up with the database.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private-media")))
CONSENT_UPLOAD_MAX_BYTES = env_int("CONSENT_UPLOAD_MAX_MB", 10, minimum=1) * 1_048_576
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# --- Security -----------------------------------------------------------------------------------

# TLS ends at the proxy, which sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front of the app append to X-Forwarded-For; the client address logged in
# the access log is the one the outermost trusted proxy saw.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0 if DEBUG else 1, minimum=0)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# The container healthcheck speaks plain HTTP to gunicorn.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading binds the whole domain to HTTPS in every browser: the operator decides that for the
# region's domain, not the app. Hence its check is silenced below rather than preload forced on.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [
    # Lock-out is by username on purpose (see AXES_LOCKOUT_PARAMETERS): every workstation of a
    # vårdcentral shares one address, so locking by address would lock out the whole unit.
    "axes.W006",
]
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# No inline scripts or styles anywhere, and no eval: htmx runs with its eval-based features off.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    # Logging out also ends the session at the identity provider: the logout form's redirect
    # goes there, and Chromium applies form-action to redirects.
    "form-action": [CSP.SELF, *([_origin(OIDC_DISCOVERY_URL)] if OIDC_ENABLED else [])],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# --- The access log -------------------------------------------------------------------------------

# Whole months older than this may be dropped by the owner (manage.py accesslog_partitions);
# HSLF-FS 2016:40 asks for at least five years.
ACCESS_LOG_RETENTION_YEARS = env_int("ACCESS_LOG_RETENTION_YEARS", 5, minimum=5)

# --- Scheduled jobs: procrastinate on the app's own database (config/jobs.py) --------------------

# The schedule is one module, imported by the worker; no autodiscovery of tasks.py modules.
PROCRASTINATE_AUTODISCOVER_MODULE_NAME = ""
PROCRASTINATE_IMPORT_PATHS = ["config.jobs"]

# --- E-mail (links only, never patient data) ------------------------------------------------------

# "console" writes e-mail to standard output instead of sending it (development, and a test or
# demo installation that must not send mail).
EMAIL_DELIVERY = env_choice("EMAIL_DELIVERY", "console" if DEBUG else "smtp", ("smtp", "console"))
MAILERS = {
    "default": (
        {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
        if EMAIL_DELIVERY == "console"
        else {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("EMAIL_HOST", "localhost"),
                "port": env_int("EMAIL_PORT", 25, minimum=1),
                "username": env_str("EMAIL_HOST_USER", ""),
                "password": env_str("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "timeout": 10,
            },
        }
    )
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "atergang@localhost")
# The app's public address, for links in e-mails and calendar entries (never patient data).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Logging: request ids, never patient data ------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "config.middleware.RequestIdLogFilter"},
        # The calendar feed's token is in its URL; Django logs the path of 4xx and 5xx.
        "redact_secrets": {"()": "config.redaction.RedactSecretsFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id", "redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django logs the full URL of failed requests; our URLs carry no patient data (rule 9).
        "django.request": {"level": "WARNING"},
        "django.server": {"level": "WARNING" if not DEBUG else "INFO"},
        "weasyprint": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "procrastinate.blueprints": {"level": "WARNING"},
    },
}
