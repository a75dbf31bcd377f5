"""LinkedIn identity, profile and public job pages."""

from urllib.parse import quote

from jobhax.providers import call_without_token, get_json, json_body, setting

JOB_PAGE_HEADERS = {"Accept": "text/html,application/xhtml+xml", "Accept-Language": "en-US,en;q=0.8"}


def userinfo(settings, token):
    """OpenID Connect userinfo: ``{sub, email, email_verified, given_name, family_name, name}``."""
    return get_json(settings, token, "jobhax.linkedin_api_base", "/v2/userinfo")


def introspect(settings, token):
    """``{active, client_id, expires_at, scope}`` (RFC 7662): is the token live, and whose app's is it."""
    response = call_without_token(
        settings,
        "POST",
        "jobhax.linkedin_web_base",
        "/oauth/v2/introspectToken",
        data={
            "client_id": setting(settings, "jobhax.linkedin_client_id"),
            "client_secret": setting(settings, "jobhax.linkedin_client_secret"),
            "token": token,
        },
    )
    return json_body(response)


def profile(settings, token):
    """The member's basic profile (``/v2/me``), returned to clients as is."""
    return get_json(settings, token, "jobhax.linkedin_api_base", "/v2/me")


def job_page(settings, job_id):
    """The public HTML page of a job posting; no token, so plain requests."""
    path = f"/jobs/view/{quote(str(job_id), safe='')}/"
    response = call_without_token(settings, "GET", "jobhax.linkedin_web_base", path, headers=JOB_PAGE_HEADERS)
    return response.text
