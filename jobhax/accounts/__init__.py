"""Users, the OAuth2 provider, bearer authentication."""

from jobhax.accounts import audience, throttling
from jobhax.accounts.security import BearerSecurityPolicy


def includeme(config):
    audience.check_configuration(config.get_settings())
    throttling.trusted_proxies(tuple(config.get_settings()["jobhax.trusted_proxy"]))  # fails at start if bad
    config.set_security_policy(BearerSecurityPolicy())
    config.add_route("oauth_token", "/oauth/token")
    config.add_route("oauth_revoke", "/oauth/revoke")
    config.scan(__name__)
