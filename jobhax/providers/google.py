"""Google identity: who a Google access token belongs to, and which app it was issued to."""

import requests

from jobhax.providers import get_json, json_body, send, url


def userinfo(settings, token):
    """``{sub, email, email_verified, given_name, family_name, name}`` of the token's account."""
    return get_json(settings, token, "jobhax.google_api_base", "/oauth2/v3/userinfo")


def tokeninfo(settings, token):
    """``{aud, azp, scope, exp, sub, email}``: which app the token was issued to (400 when invalid)."""
    with requests.Session() as session:
        response = send(
            session,
            settings,
            "GET",
            url(settings, "jobhax.google_api_base", "/oauth2/v3/tokeninfo"),
            params={"access_token": token},
        )
        return json_body(response)
