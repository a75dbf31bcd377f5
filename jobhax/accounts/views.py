"""User endpoints (/api/users/*) and the standard OAuth2 endpoints (/oauth/token, /oauth/revoke)."""

import json
from urllib.parse import parse_qsl, urlencode

from pyramid.response import Response
from pyramid.view import view_config

from jobhax.accounts import mails, registration_limit, request_schemas, services, throttling
from jobhax.accounts.oauth import oauth_server
from jobhax.api import AUTHENTICATED, PUBLIC, ApiService
from jobhax.clock import utcnow
from jobhax.envelope import ApiError, ErrorCode, envelope, error_response
from jobhax.validation import body_validator

register_service = ApiService("register", "/api/users/register", "Create an account.")
login_service = ApiService("login", "/api/users/login", "Exchange username and password for tokens.")
refresh_token_service = ApiService("refresh_token", "/api/users/refresh_token", "Rotate a refresh token.")
logout_service = ApiService("logout", "/api/users/logout", "Revoke an access token and its refresh token.")
logout_all_service = ApiService(
    "logout_all", "/api/users/logout_all", "Revoke every access and refresh token of the caller, everywhere."
)


def no_store(request, **kwargs):
    """A Cornice validator for token answers: never cached (RFC 6749 section 5.1), whatever the outcome."""

    def headers(request, response):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"

    request.add_response_callback(headers)


@register_service.post(schema=request_schemas.RegisterBody, validators=(body_validator,), permission=PUBLIC)
def register(request):
    settings = request.registry.settings
    address = throttling.client_address(request)
    if throttling.address_locked(
        request.dbsession, address, utcnow(), settings["jobhax.login_failures_per_address"]
    ):
        raise ApiError(ErrorCode.TOO_MANY_ATTEMPTS)
    registration_limit.count_registration(
        request.dbsession, address, settings["jobhax.register_per_hour"], utcnow()
    )
    user = services.register_user(request.dbsession, **request.validated)
    mails.queue_verification_mail(request.dbsession, user.id)
    return envelope(None)


@login_service.post(
    schema=request_schemas.LoginBody, validators=(no_store, body_validator), permission=PUBLIC
)
def login(request):
    params = request.validated
    return _grant(
        request,
        {"grant_type": "password", "username": params["username"], "password": params["password"]},
        invalid_grant=ErrorCode.LOGIN_FAILED,
    )


@refresh_token_service.post(
    schema=request_schemas.RefreshBody, validators=(no_store, body_validator), permission=PUBLIC
)
def refresh_token(request):
    return _grant(
        request,
        {"grant_type": "refresh_token", "refresh_token": request.validated["refresh_token"]},
        invalid_grant=ErrorCode.INVALID_CREDENTIALS,
    )


@logout_service.post(schema=request_schemas.LogoutBody, validators=(body_validator,), permission=PUBLIC)
def logout(request):
    params = request.validated
    client = services.authenticate_client(request.dbsession, params["client_id"], params["client_secret"])
    if client is None:
        raise ApiError(ErrorCode.INVALID_CREDENTIALS)
    if not services.revoke_pair(request.dbsession, client_pk=client.id, token=params["token"]):
        raise ApiError(ErrorCode.LOGOUT_FAILED)
    return envelope(None)


@logout_all_service.post(permission=AUTHENTICATED)
def logout_all(request):
    services.revoke_all_tokens(request.dbsession, request.authenticated_userid)
    return envelope(None)


def _grant(request, form, invalid_grant):
    """Run an oauthlib grant for a JSON client and wrap its standard answer in the envelope.

    Failures are returned, not raised: a failed login must stay recorded for throttling.
    """
    form.update(client_id=request.validated["client_id"], client_secret=request.validated["client_secret"])
    _, body, status = _token_response(
        request,
        form.get("username"),
        uri=request.path_url,
        http_method="POST",
        body=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    token = json.loads(body)
    if status == 200:
        return envelope(token)
    if status == 429:
        return error_response(request, ErrorCode.TOO_MANY_ATTEMPTS)
    if token.get("error") == "invalid_grant":
        return error_response(request, invalid_grant)
    if token.get("error") == "invalid_client":
        return error_response(request, ErrorCode.INVALID_CREDENTIALS)
    return error_response(request, ErrorCode.INVALID_PARAMETERS)


def _server(request, attempt=None):
    return oauth_server(request.dbsession, request.registry.settings, utcnow(), attempt)


def _token_response(request, username, **call):
    """oauthlib's token response; a password grant (``username`` given) first reserves its login attempt
    (throttling.reserve_attempt), before the request's own transaction uses the database, so a request
    never holds two connections at once (a pooler with one server connection would wait for ever)."""
    attempt = None
    if username is not None:
        now = utcnow()
        attempt = throttling.LoginAttempt(
            throttling.reserve_attempt(
                request.registry["engine"],
                username,
                throttling.client_address(request),
                now,
                request.registry.settings["jobhax.login_failures_per_address"],
            )
        )
    answer = _server(request, attempt).create_token_response(**call)
    if attempt is not None:
        attempt.settle(request.dbsession)
    return answer


def _oauth_response(headers, body, status):
    response = Response(body=(body or "").encode("utf-8"), status=status, headerlist=[])
    response.headers.update(headers)
    if body and "Content-Type" not in headers:
        response.content_type = "application/json"
    return response


def _oauthlib_call(request):
    return dict(
        uri=request.path_url, http_method=request.method, body=request.text, headers=dict(request.headers)
    )


def _unusable_form(request):
    """RFC 6749 invalid_request for a form that is not UTF-8 or holds NUL, which PostgreSQL cannot compare."""
    try:
        fields = parse_qsl(request.body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        fields = None
    if fields is not None and not any("\x00" in name or "\x00" in value for name, value in fields):
        return None
    return _oauth_response(
        {},
        json.dumps({"error": "invalid_request", "error_description": "The body must be UTF-8 without NUL."}),
        400,
    )


@view_config(route_name="oauth_token", request_method="POST", permission=PUBLIC)
def oauth_token(request):
    unusable = _unusable_form(request)
    if unusable is not None:
        return unusable
    password_grant = request.POST.get("grant_type") == "password"
    username = request.POST.get("username") if password_grant else None
    return _oauth_response(*_token_response(request, username, **_oauthlib_call(request)))


@view_config(route_name="oauth_revoke", request_method="POST", permission=PUBLIC)
def oauth_revoke(request):
    return _unusable_form(request) or _oauth_response(
        *_server(request).create_revocation_response(**_oauthlib_call(request))
    )
