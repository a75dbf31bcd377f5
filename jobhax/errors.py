"""The exception views: whatever fails, a client gets a JSON answer in the shape its route speaks.

A route declares the shape of its error bodies when it is added; the views below are chosen by that
declaration (a view predicate), never by looking at the path:

- ``error_body="envelope"`` (every route that does not say otherwise: the ``/api/*`` services): the
  envelope of :mod:`jobhax.envelope`;
- ``error_body="plain"`` (``/oauth/*`` and the ``/__*`` ops endpoints): ``{"error": name}``, RFC 6749's
  error object, which is also plain JSON for a load balancer or a monitor.

HTTP client errors (404 without a route, 405, 413, a refused permission) answer the envelope everywhere.
500s are logged with method and path only: bodies and headers may carry passwords and tokens.
"""

import logging

from pyramid.httpexceptions import HTTPClientError
from pyramid.response import Response
from pyramid.view import exception_view_config, notfound_view_config
from pyramid_retry import mark_error_retryable
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from jobhax.envelope import ApiError, ErrorCode, authentication_required, error_response

log = logging.getLogger(__name__)

ENVELOPE = "envelope"
PLAIN = "plain"
ERROR_BODIES = (ENVELOPE, PLAIN)


class ErrorBodyRoutePredicate:
    """``config.add_route(name, pattern, error_body=PLAIN)``: the shape of the route's error bodies.

    A declaration, not a condition: it matches every request."""

    def __init__(self, value, config):
        if value not in ERROR_BODIES:
            raise ValueError(f"error_body must be one of {ERROR_BODIES}, not {value!r}")
        self.value = value

    def text(self):
        return f"error_body = {self.value}"

    phash = text

    def __call__(self, info, request):
        return True


def route_error_body(request):
    """The error body the matched route declared; the envelope without a route or a declaration."""
    route = getattr(request, "matched_route", None)
    for predicate in route.predicates if route is not None else ():
        if isinstance(predicate, ErrorBodyRoutePredicate):
            return predicate.value
    return ENVELOPE


class ErrorBodyViewPredicate:
    """``@exception_view_config(..., error_body=PLAIN)``: this view answers for routes of that shape."""

    def __init__(self, value, config):
        self.value = value

    def text(self):
        return f"error_body = {self.value}"

    phash = text

    def __call__(self, context, request):
        return route_error_body(request) == self.value


def is_database_unavailable(exc):
    """The database is down, restarting or out of connections: worth a retry later (503), not a bug."""
    return isinstance(exc, (OperationalError, PoolTimeoutError)) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


def retry_if_connection_dropped(exc):
    """A connection the database dropped (a restart) fails the request's first statement: nothing of this
    attempt was committed and the pool is now invalidated, so pyramid_retry runs the request again on a
    fresh connection, unless this was its last attempt (the answer rendered here is then the one sent)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        mark_error_retryable(exc)


def log_internal_error(exc, request):
    log.error("internal error during %s %s", request.method, request.path, exc_info=exc)


def log_database_unavailable(exc, request):
    log.warning("database unavailable during %s %s: %s", request.method, request.path, type(exc).__name__)


@notfound_view_config()
def not_found_view(request):
    return error_response(request, ErrorCode.NOT_FOUND)


@exception_view_config(HTTPClientError)
def http_client_error_view(exc, request):
    if exc.status_code in (405, 413):
        return error_response(request, ErrorCode.INVALID_PARAMETERS, exc.status_code)
    if exc.status_code in (401, 403):
        return authentication_required(request)
    if exc.status_code == 404:
        return error_response(request, ErrorCode.NOT_FOUND)
    return error_response(request, ErrorCode.INVALID_PARAMETERS, exc.status_code)


@exception_view_config(ApiError, error_body=ENVELOPE)
def api_error_view(exc, request):
    return error_response(request, exc.code, exc.status, exc.detail)


@exception_view_config(DBAPIError, error_body=ENVELOPE)
@exception_view_config(PoolTimeoutError, error_body=ENVELOPE)
def database_error_view(exc, request):
    retry_if_connection_dropped(exc)
    if is_database_unavailable(exc):
        log_database_unavailable(exc, request)
        return error_response(request, ErrorCode.UNAVAILABLE)
    log_internal_error(exc, request)
    return error_response(request, ErrorCode.INTERNAL_ERROR)


@exception_view_config(Exception, error_body=ENVELOPE)
def internal_error_view(exc, request):
    log_internal_error(exc, request)
    return error_response(request, ErrorCode.INTERNAL_ERROR)


@exception_view_config(Exception, error_body=PLAIN)
def plain_error_view(exc, request):
    """Every failure of a plain route but an HTTP client error: 503 ``temporarily_unavailable`` while the database
    (or a provider) is, else 500 ``server_error``."""
    if is_database_unavailable(exc):
        log_database_unavailable(exc, request)
        return Response(json_body={"error": "temporarily_unavailable"}, status=503)
    if isinstance(exc, ApiError):
        error = "temporarily_unavailable" if exc.code == ErrorCode.UNAVAILABLE else "server_error"
        return Response(json_body={"error": error}, status=exc.status)
    log_internal_error(exc, request)
    return Response(json_body={"error": "server_error"}, status=500)


def includeme(config):
    config.add_route_predicate("error_body", ErrorBodyRoutePredicate)
    config.add_view_predicate("error_body", ErrorBodyViewPredicate)
    config.include("jobhax.tweens")
    config.scan(__name__)
