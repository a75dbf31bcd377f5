"""Settings: the ini gives structure, the environment wins, bad values fail at start."""

import ipaddress
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from jobhax.mail.transport import InvalidSmtpUrl, parse_smtp_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def boolean(value):
    """A flag written as true/false, yes/no, on/off or 1/0; anything else is a mistake, not false."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise ValueError(value)


# setting name -> (environment variable, coercion, default)
SETTINGS = {
    "sqlalchemy.url": ("JOBHAX_DATABASE_URL", str, None),
    "jobhax.direct_database_url": ("JOBHAX_DIRECT_DATABASE_URL", str, None),
    # Migrations (and create-bi-user) run as this role when set; the service then runs as sqlalchemy.url's.
    "jobhax.migration_database_url": ("JOBHAX_MIGRATION_DATABASE_URL", str, None),
    "jobhax.secret_key": ("JOBHAX_SECRET_KEY", str, None),
    # Unset means production: a forgotten line never turns on development conveniences.
    "jobhax.env": ("JOBHAX_ENV", str, "production"),
    "jobhax.google_api_base": ("JOBHAX_GOOGLE_API_BASE", str, "https://www.googleapis.com"),
    "jobhax.linkedin_api_base": ("JOBHAX_LINKEDIN_API_BASE", str, "https://api.linkedin.com"),
    "jobhax.linkedin_web_base": ("JOBHAX_LINKEDIN_WEB_BASE", str, "https://www.linkedin.com"),
    "jobhax.cors_origins": ("JOBHAX_CORS_ORIGINS", str, ""),
    "jobhax.access_token_expires_in": ("JOBHAX_ACCESS_TOKEN_EXPIRES_IN", int, 36000),
    "jobhax.refresh_token_expires_in": ("JOBHAX_REFRESH_TOKEN_EXPIRES_IN", int, 30 * 24 * 3600),
    "jobhax.google_client_ids": ("JOBHAX_GOOGLE_CLIENT_IDS", str, ""),
    "jobhax.linkedin_client_id": ("JOBHAX_LINKEDIN_CLIENT_ID", str, ""),
    "jobhax.linkedin_client_secret": ("JOBHAX_LINKEDIN_CLIENT_SECRET", str, ""),
    "jobhax.linkedin_login": ("JOBHAX_LINKEDIN_LOGIN", boolean, True),
    "jobhax.login_failures_per_address": ("JOBHAX_LOGIN_FAILURES_PER_ADDRESS", int, 50),
    "jobhax.trusted_proxy": ("JOBHAX_TRUSTED_PROXY", str, ""),
    "jobhax.reports_refresh_minutes": ("JOBHAX_REPORTS_REFRESH_MINUTES", int, 5),
    "jobhax.provider_timeout": ("JOBHAX_PROVIDER_TIMEOUT", float, 10.0),
    "jobhax.import_retry_seconds": ("JOBHAX_IMPORT_RETRY_SECONDS", float, 2.0),
    "jobhax.var_dir": ("JOBHAX_VAR_DIR", str, str(PROJECT_ROOT / "var")),
    "jobhax.worker_stalled_seconds": ("JOBHAX_WORKER_STALLED_SECONDS", float, 60.0),
    "jobhax.smtp_url": ("JOBHAX_SMTP_URL", str, ""),
    "jobhax.smtp_timeout": ("JOBHAX_SMTP_TIMEOUT", float, 10.0),
    "jobhax.mail_from": ("JOBHAX_MAIL_FROM", str, "JobHax <no-reply@jobhax.local>"),
    "jobhax.mail_retry_seconds": ("JOBHAX_MAIL_RETRY_SECONDS", float, 5.0),
    "jobhax.web_base_url": ("JOBHAX_WEB_BASE_URL", str, "http://127.0.0.1:6543"),
    "jobhax.register_per_hour": ("JOBHAX_REGISTER_PER_HOUR", int, 20),
    "jobhax.legacy_http_status": ("JOBHAX_LEGACY_HTTP_STATUS", boolean, False),
    # Webhooks (jobhax/webhooks): receivers on loopback/private networks (and over http) only when true.
    "jobhax.webhooks_allow_private": ("JOBHAX_WEBHOOKS_ALLOW_PRIVATE", boolean, False),
    "jobhax.webhooks_timeout": ("JOBHAX_WEBHOOKS_TIMEOUT", float, 10.0),
    "jobhax.webhooks_retry_seconds": ("JOBHAX_WEBHOOKS_RETRY_SECONDS", float, 5.0),
    "jobhax.webhooks_max_wait_seconds": ("JOBHAX_WEBHOOKS_MAX_WAIT_SECONDS", float, 3600.0),
    "jobhax.webhooks_give_up_seconds": ("JOBHAX_WEBHOOKS_GIVE_UP_SECONDS", float, 86400.0),
}

MIN_SECRET_KEY_LENGTH = 32
ENVIRONMENTS = ("development", "testing", "production")
PROVIDER_BASES = ("jobhax.google_api_base", "jobhax.linkedin_api_base", "jobhax.linkedin_web_base")


class ConfigurationError(Exception):
    """A setting is missing or malformed; raised at start, never at request time."""


def load_settings(settings):
    """Return a copy of ``settings`` with environment overrides applied and values coerced."""
    result = dict(settings)
    for name, (env_name, coerce, default) in SETTINGS.items():
        raw = os.environ.get(env_name)
        if raw is None:
            raw = result.get(name)
        if raw is None or (
            isinstance(raw, str) and raw.strip() == "" and default is not None and coerce is not str
        ):
            result[name] = default
            continue
        try:
            result[name] = coerce(raw.strip() if isinstance(raw, str) else raw)
        except (TypeError, ValueError):
            raise ConfigurationError(f"{name} ({env_name}) must be {coerce.__name__}, got {raw!r}") from None
    for name in ("sqlalchemy.url", "jobhax.direct_database_url", "jobhax.migration_database_url"):
        if not result.get(name):
            result[name] = None
    if result["jobhax.env"] not in ENVIRONMENTS:
        raise ConfigurationError(f"jobhax.env (JOBHAX_ENV) must be one of {', '.join(ENVIRONMENTS)}")
    for name in (
        "jobhax.access_token_expires_in",
        "jobhax.refresh_token_expires_in",
        "jobhax.login_failures_per_address",
    ):
        if result[name] <= 0:
            raise ConfigurationError(f"{name} ({SETTINGS[name][0]}) must be a positive number")
    for name in ("jobhax.cors_origins", "jobhax.google_client_ids", "jobhax.trusted_proxy"):
        result[name] = words(result[name])
    if result["jobhax.register_per_hour"] < 0:
        raise ConfigurationError("jobhax.register_per_hour must be 0 (unlimited) or a positive number")
    try:
        parse_smtp_url(result["jobhax.smtp_url"])
    except InvalidSmtpUrl as error:
        raise ConfigurationError(f"{error} (JOBHAX_SMTP_URL)") from None
    result["jobhax.web_base_url"] = result["jobhax.web_base_url"].rstrip("/")
    for name in PROVIDER_BASES:
        result[name] = result[name] or SETTINGS[name][2]
        _check_provider_base(name, result[name])
    result["jobhax.secret_key"] = _secret_key(result)
    return result


def words(value):
    """A space- or comma-separated list."""
    return value if isinstance(value, list) else value.replace(",", " ").split()


def is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_provider_base(name, value):
    """Provider calls carry the user's Google or LinkedIn token: https, or http:// to a local fake only."""
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 -- raises ValueError on a malformed port
    except ValueError:
        parts, host = None, ""
    if parts and host and (parts.scheme == "https" or (parts.scheme == "http" and is_loopback(host))):
        return
    raise ConfigurationError(
        f"{name} ({SETTINGS[name][0]}) must be an https:// URL, or http:// on a loopback host "
        f"(localhost, 127.0.0.0/8, [::1]) for a local fake; got {value!r}"
    )


def _secret_key(settings):
    key = settings.get("jobhax.secret_key")
    if key:
        if len(key) < MIN_SECRET_KEY_LENGTH:
            raise ConfigurationError(
                f"jobhax.secret_key (JOBHAX_SECRET_KEY) must be at least {MIN_SECRET_KEY_LENGTH} characters"
            )
        return key
    if settings["jobhax.env"] == "production":
        raise ConfigurationError("jobhax.secret_key (JOBHAX_SECRET_KEY) is required in production")
    # Development: generated once and kept, so encrypted tokens survive restarts.
    path = Path(settings["jobhax.var_dir"]) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
