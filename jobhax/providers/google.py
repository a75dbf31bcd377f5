"""Google identity: who a Google access token belongs to, and which app it was issued to."""

from jobhax.providers import call_without_token, get_json, json_body


def userinfo(settings, token):
    """``{sub, email, email_verified, given_name, family_name, name}`` of the token's account."""
    return get_json(settings, token, "jobhax.google_api_base", "/oauth2/v3/userinfo")


def tokeninfo(settings, token):
    """``{aud, azp, scope, exp, sub, email}``: which app the token was issued to (400 when invalid)."""
    response = call_without_token(
        settings, "GET", "jobhax.google_api_base", "/oauth2/v3/tokeninfo", params={"access_token": token}
    )
    return json_body(response)
