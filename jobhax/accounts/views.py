"""User endpoints (/api/users/*) and the standard OAuth2 endpoints (/oauth/token, /oauth/revoke)."""

import json
from urllib.parse import parse_qsl, urlencode

from pyramid.response import Response
from pyramid.view import view_config

from jobhax.accounts import schemas, services, throttling
from jobhax.accounts.oauth import oauth_server
from jobhax.api import api_service
from jobhax.envelope import ApiError, ErrorCode, envelope, error_response
from jobhax.schema import body_validator

register = api_service("register", "/api/users/register", "Create an account.")
login = api_service("login", "/api/users/login", "Exchange username and password for tokens.")
refresh_token = api_service("refresh_token", "/api/users/refresh_token", "Rotate a refresh token.")
logout = api_service("logout", "/api/users/logout", "Revoke an access token and its refresh token.")
logout_all = api_service(
    "logout_all", "/api/users/logout_all", "Revoke every access and refresh token of the caller, everywhere."
)


def no_store(request, **kwargs):
    """A Cornice validator for token answers: never cached (RFC 6749 section 5.1), whatever the outcome."""

    def headers(request, response):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"

    request.add_response_callback(headers)


@register.post(schema=schemas.RegisterBody, validators=(body_validator,))
def register_user(request):
    settings = request.registry.settings
    address = throttling.client_address(request)
    if throttling.address_locked(
        request.dbsession, address, services.utcnow(), settings["jobhax.login_failures_per_address"]
    ):
        raise ApiError(ErrorCode.TOO_MANY_ATTEMPTS)
    services.register_user(request.dbsession, **request.validated)
    return envelope(None)


@login.post(schema=schemas.LoginBody, validators=(no_store, body_validator))
def login_user(request):
    params = request.validated
    return _grant(
        request,
        {"grant_type": "password", "username": params["username"], "password": params["password"]},
        invalid_grant=ErrorCode.LOGIN_FAILED,
    )


@refresh_token.post(schema=schemas.RefreshBody, validators=(no_store, body_validator))
def refresh_user_token(request):
    return _grant(
        request,
        {"grant_type": "refresh_token", "refresh_token": request.validated["refresh_token"]},
        invalid_grant=ErrorCode.INVALID_CREDENTIALS,
    )


@logout.post(schema=schemas.LogoutBody, validators=(body_validator,))
def logout_user(request):
    params = request.validated
    client = services.authenticate_client(request.dbsession, params["client_id"], params["client_secret"])
    if client is None:
        raise ApiError(ErrorCode.INVALID_CREDENTIALS)
    if not services.revoke_pair(request.dbsession, client_pk=client.id, token=params["token"]):
        raise ApiError(ErrorCode.LOGOUT_FAILED)
    return envelope(None)


@logout_all.post(permission="authenticated")
def logout_everywhere(request):
    services.revoke_all_tokens(request.dbsession, request.authenticated_userid)
    return envelope(None)


def _grant(request, form, invalid_grant):
    """Run an oauthlib grant for a JSON client and wrap its standard answer in the envelope.

    Failures are returned, not raised: a failed login must stay recorded for throttling.
    """
    form.update(client_id=request.validated["client_id"], client_secret=request.validated["client_secret"])
    _, body, status = _server(request).create_token_response(
        request.path_url, "POST", urlencode(form), {"Content-Type": "application/x-www-form-urlencoded"}
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


def _server(request):
    return oauth_server(
        request.dbsession, request.registry.settings, services.utcnow(), throttling.client_address(request)
    )


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


@view_config(route_name="oauth_token", request_method="POST")
def oauth_token(request):
    return _unusable_form(request) or _oauth_response(
        *_server(request).create_token_response(**_oauthlib_call(request))
    )


@view_config(route_name="oauth_revoke", request_method="POST")
def oauth_revoke(request):
    return _unusable_form(request) or _oauth_response(
        *_server(request).create_revocation_response(**_oauthlib_call(request))
    )
