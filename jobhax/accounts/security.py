"""Bearer-token authentication: one indexed lookup of the token's digest per request."""

from pyramid.request import RequestLocalCache
from pyramid.security import Allowed, Denied

from jobhax.accounts.services import user_id_for_access_token
from jobhax.api import AUTHENTICATED
from jobhax.clock import utcnow


def bearer_token(request):
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


class BearerSecurityPolicy:
    def __init__(self):
        # Pyramid asks for the identity on every use of request.identity (the permission check, then the
        # view): look the token up once per request.
        self._identity = RequestLocalCache(self._load_identity)

    def identity(self, request):
        return self._identity.get_or_create(request)

    def _load_identity(self, request):
        token = bearer_token(request)
        if token is None:
            return None
        return user_id_for_access_token(request.dbsession.connection(), token, utcnow())

    def authenticated_userid(self, request):
        return request.identity

    def permits(self, request, context, permission):
        if permission == AUTHENTICATED and request.identity is None:
            return Denied("a valid bearer token is required")
        return Allowed(permission)

    def remember(self, request, userid, **kw):
        return []

    def forget(self, request, **kw):
        return []
