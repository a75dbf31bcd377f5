"""Clients for Google, Gmail and LinkedIn, shared by the domains.

Every call has a timeout (``jobhax.provider_timeout``) and every failure is one of the
exceptions below, so callers map providers to our error codes in one place each:

- :class:`ProviderRejected`: 401/403, the token is not (or no longer) accepted;
- :class:`ProviderNotFound`: 404;
- :class:`ProviderUnavailable`: timeout, connection error, 429, 5xx or an unreadable answer,
  worth retrying later (``retry_after`` from the Retry-After header when given);
- :class:`ProviderError`: any other refusal (other 4xx).

Bearer tokens go only to the configured bases, which the configuration accepts at start only as
``https://``, or ``http://`` on a loopback host (a local fake): that check is made once there, not per
call (oauthlib's per-call one would need a process-wide ``OAUTHLIB_INSECURE_TRANSPORT`` for any fake).
"""

import datetime
import email.utils

import requests
from requests.adapters import HTTPAdapter

from jobhax.clock import utcnow
from jobhax.config import SETTINGS


class ProviderError(Exception):
    """The provider refused or failed a call."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class ProviderRejected(ProviderError):
    """401/403: the token is not accepted."""


class ProviderNotFound(ProviderError):
    """404: the resource does not exist (or is not visible to this token)."""


class ProviderUnavailable(ProviderError):
    """Timeout, connection error, 429, 5xx: try again later, after ``retry_after`` seconds when known."""

    def __init__(self, message, status=None, retry_after=None):
        super().__init__(message, status)
        self.retry_after = retry_after


def setting(settings, name):
    """A provider setting, with the configuration's default when the caller passes raw settings."""
    value = settings.get(name)
    return SETTINGS[name][2] if value in (None, "") else value


def url(settings, base_name, path):
    return setting(settings, base_name).rstrip("/") + path


def timeout(settings):
    return float(setting(settings, "jobhax.provider_timeout"))


def bearer_session(token, max_connections=None):
    """A session sending ``Authorization: Bearer`` (RFC 6750); requests drops it on a redirect to
    another host."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    if max_connections:
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max_connections)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
    return session


def send(session, settings, method, target, **kwargs):
    """Issue one call and return the response, or raise the exception its outcome maps to."""
    try:
        response = session.request(method, target, timeout=timeout(settings), **kwargs)
    except requests.Timeout as error:
        raise ProviderUnavailable(f"timed out: {type(error).__name__}") from None
    except requests.RequestException as error:
        raise ProviderUnavailable(f"unreachable: {type(error).__name__}") from None
    check(response)
    return response


def check(response):
    status = response.status_code
    if status < 400:
        return
    # The URL may carry message ids, never a token: tokens travel in headers only.
    message = f"{response.request.method} {response.url.split('?')[0]} answered {status}"
    if status in (401, 403):
        raise ProviderRejected(message, status)
    if status == 404:
        raise ProviderNotFound(message, status)
    if status == 429 or status >= 500:
        raise ProviderUnavailable(message, status, retry_after(response.headers.get("Retry-After")))
    raise ProviderError(message, status)


def json_body(response):
    try:
        body = response.json()
    except ValueError:
        raise ProviderUnavailable("answer is not JSON", response.status_code) from None
    if not isinstance(body, dict):
        raise ProviderUnavailable("answer is not a JSON object", response.status_code)
    return body


def get_json(settings, token, base_name, path, **kwargs):
    """One bearer GET with a short-lived session, for single identity/profile calls."""
    with bearer_session(token) as session:
        return json_body(send(session, settings, "GET", url(settings, base_name, path), **kwargs))


def call_without_token(settings, method, base_name, path, **kwargs):
    """One call that carries no bearer (token checks, public pages), with a short-lived session."""
    with requests.Session() as session:
        return send(session, settings, method, url(settings, base_name, path), **kwargs)


def retry_after(value, now=None):
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    now = now or utcnow()
    return max(0.0, (when - now).total_seconds())
