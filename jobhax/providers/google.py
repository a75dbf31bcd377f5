"""Google identity: who a Google access token belongs to."""

from jobhax.providers import get_json


def userinfo(settings, token):
    """``{sub, email, email_verified, given_name, family_name, name}`` of the token's account."""
    return get_json(settings, token, "jobhax.google_api_base", "/oauth2/v3/userinfo")
