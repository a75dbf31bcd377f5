"""Users, the OAuth2 provider, bearer authentication."""

from jobhax.accounts.security import BearerSecurityPolicy
from jobhax.api import AUTHENTICATED
from jobhax.errors import PLAIN


def includeme(config):
    config.set_security_policy(BearerSecurityPolicy())
    # Safe by default: a view is public only by saying permission=PUBLIC (jobhax.api).
    config.set_default_permission(AUTHENTICATED)
    config.add_route("oauth_token", "/oauth/token", error_body=PLAIN)
    config.add_route("oauth_revoke", "/oauth/revoke", error_body=PLAIN)
    config.scan(__name__)
