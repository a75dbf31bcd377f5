"""Our OAuth2 provider: oauthlib's password and refresh_token grants and RFC 7009 revocation.

The validator is built per request around the request's database session, so every
grant runs inside the request's one transaction.
"""

import base64
import binascii
from urllib.parse import unquote

from oauthlib.oauth2 import LegacyApplicationServer, RequestValidator
from oauthlib.oauth2.rfc6749.errors import InvalidRequestError, OAuth2Error, UnsupportedGrantTypeError
from sqlalchemy import select

from jobhax.accounts import services
from jobhax.accounts.models import User
from jobhax.accounts.passwords import verify_password
from jobhax.accounts.secrets import generate_token


class TooManyAttempts(OAuth2Error):
    error = "invalid_grant"
    status_code = 429
    description = "Too many failed login attempts; try again later."


class JobHaxRequestValidator(RequestValidator):
    def __init__(self, dbsession, settings, now, attempt=None):
        self.dbsession = dbsession
        self.settings = settings
        self.now = now
        self.attempt = attempt  # the password grant's reserved login attempt (throttling.LoginAttempt)

    # Clients: confidential, authenticated in the body or with HTTP Basic.
    def client_authentication_required(self, request, *args, **kwargs):
        return True

    def authenticate_client(self, request, *args, **kwargs):
        client_id, client_secret = request.client_id, request.client_secret
        basic = _basic_credentials(request.headers.get("Authorization", ""))
        if basic:
            client_id, client_secret = basic
        client = services.authenticate_client(self.dbsession, client_id, client_secret)
        if client is None:
            return False
        request.client = client
        request.client_id = client.client_id
        return True

    def authenticate_client_id(self, client_id, request, *args, **kwargs):
        return False

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        return grant_type in ("password", "refresh_token")

    def get_default_scopes(self, client_id, request, *args, **kwargs):
        return services.DEFAULT_SCOPE.split()

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        return set(scopes) <= set(services.DEFAULT_SCOPE.split())

    # Password grant, throttled per (username, address) and per address across /api/users/login and
    # /oauth/token: the attempt was counted as a failure before the request began (throttling).
    def validate_user(self, username, password, client, request, *args, **kwargs):
        if self.attempt is None or self.attempt.refused:
            raise TooManyAttempts(request=request)
        user = self.dbsession.scalar(select(User).where(User.username == username))
        self.attempt.password_right = verify_password(user.password_hash if user else None, password)
        if not self.attempt.password_right:
            return False
        request.user = user
        return True

    # Refresh grant: the old pair is locked here and revoked when the new one is saved; a spent one
    # revokes its whole family.
    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        pair = services.live_refresh_token(self.dbsession, refresh_token, client.id, self.now)
        if pair is None:
            services.revoke_family(self.dbsession, refresh_token, client.id, self.now)
            return False
        request.user = self.dbsession.get(User, pair.user_id)
        request.refreshed_pair = pair
        return True

    def get_original_scopes(self, refresh_token, request, *args, **kwargs):
        return request.refreshed_pair.scope.split()

    def save_bearer_token(self, token, request, *args, **kwargs):
        previous = getattr(request, "refreshed_pair", None)
        if previous is not None:
            previous.revoked_at = self.now
        services.store_token_pair(
            self.dbsession,
            token,
            user_id=request.user.id,
            client_pk=request.client.id,
            now=self.now,
            rotated=previous,
            refresh_expires_in=self.settings["jobhax.refresh_token_expires_in"],
        )

    # RFC 7009: revoking either token of a pair revokes the pair; unknown tokens are not an error.
    def revoke_token(self, token, token_type_hint, request, *args, **kwargs):
        services.revoke_pair(self.dbsession, client_pk=request.client.id, token=token, now=self.now)


def _basic_credentials(header):
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, client_secret = decoded.partition(":")
    client_id, client_secret = unquote(client_id), unquote(client_secret)
    if not sep or "\x00" in client_id + client_secret:  # PostgreSQL cannot compare NUL: no such client.
        return None
    return client_id, client_secret


TOKEN_ERROR_HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}


class UnsupportedGrant:
    """The handler for any grant_type but ours. oauthlib would run the password grant instead and answer
    "missing username"; RFC 6749 section 5.2 says unsupported_grant_type."""

    def create_token_response(self, request, token_handler):
        if request.grant_type:
            error = UnsupportedGrantTypeError(request=request)
        else:
            error = InvalidRequestError(description="Missing grant_type parameter.", request=request)
        return dict(TOKEN_ERROR_HEADERS), error.json, error.status_code


class JobHaxServer(LegacyApplicationServer):
    @property
    def default_grant_type_handler(self):
        return UnsupportedGrant()


def oauth_server(dbsession, settings, now, attempt=None):
    """oauthlib's server for one request; ``attempt``: a password grant's reserved login attempt."""
    return JobHaxServer(
        JobHaxRequestValidator(dbsession, settings, now, attempt),
        token_generator=generate_token,
        refresh_token_generator=generate_token,
        token_expires_in=settings["jobhax.access_token_expires_in"],
    )
