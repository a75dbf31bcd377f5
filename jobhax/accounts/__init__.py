"""Users, the OAuth2 provider, bearer authentication."""

from jobhax.accounts import audience, tasks, throttling
from jobhax.accounts.security import BearerSecurityPolicy
from jobhax.api import AUTHENTICATED
from jobhax.errors import PLAIN


def includeme(config):
    audience.check_configuration(config.get_settings())
    throttling.trusted_proxies(tuple(config.get_settings()["jobhax.trusted_proxy"]))  # fails at start if bad
    config.set_security_policy(BearerSecurityPolicy())
    # Safe by default: a view is public only by saying permission=PUBLIC (jobhax.api).
    config.set_default_permission(AUTHENTICATED)
    config.add_route("oauth_token", "/oauth/token", error_body=PLAIN)
    config.add_route("oauth_revoke", "/oauth/revoke", error_body=PLAIN)
    tasks.declare(config)
    config.scan(__name__)
