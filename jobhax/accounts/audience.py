"""Provider token audience: a Google or LinkedIn token counts only if it was issued to one of our apps.

Without this check, any app a user ever signed in to with Google could replay the user's token here and
be taken for them (the "confused deputy" of OAuth2 implicit tokens). The check runs before any identity
call; a token of another app is refused exactly like one the provider rejects.

LinkedIn login is enabled by ``jobhax.linkedin_login`` (default true). Production refuses to start
without ``jobhax.google_client_ids``, or without the LinkedIn client id and secret while LinkedIn login
is enabled; development and testing without them log a warning and skip the check.
"""

import logging

from jobhax.config import ConfigurationError, words
from jobhax.providers import google, linkedin

log = logging.getLogger(__name__)


class NotOurs(Exception):
    """The token is valid at the provider but was issued to another app (or is not live)."""


def check_configuration(settings):
    """Raise ConfigurationError in production when a client id is missing; warn elsewhere."""
    missing = []
    if not settings["jobhax.google_client_ids"]:
        missing.append("jobhax.google_client_ids (JOBHAX_GOOGLE_CLIENT_IDS)")
    if settings["jobhax.linkedin_login"] and not _linkedin_pair(settings):
        missing.append(
            "jobhax.linkedin_client_id and jobhax.linkedin_client_secret (JOBHAX_LINKEDIN_CLIENT_ID, "
            "JOBHAX_LINKEDIN_CLIENT_SECRET), or jobhax.linkedin_login = false"
        )
    if not missing:
        return
    if settings["jobhax.env"] == "production":
        raise ConfigurationError(f"production needs {'; '.join(missing)}")
    log.warning(
        "provider token audience NOT checked (%s unset): any app's Google/LinkedIn token is accepted; "
        "never run like this in production",
        ", ".join(missing),
    )


def check_google(settings, token):
    """Raise NotOurs (or the provider's error) unless Google says the token's ``aud`` or ``azp`` is one of
    our client ids."""
    ours = words(settings.get("jobhax.google_client_ids") or "")
    if not ours:
        return
    info = google.tokeninfo(settings, token)  # 400 (ProviderError) for an invalid or expired token
    if not {info.get("aud"), info.get("azp")} & set(ours):
        raise NotOurs()


def check_linkedin(settings, token):
    """Raise NotOurs unless LinkedIn says the token is active and was issued to our client id."""
    if not settings.get("jobhax.linkedin_login", True):
        raise NotOurs()
    if not _linkedin_pair(settings):
        return
    info = linkedin.introspect(settings, token)
    if info.get("active") is not True or info.get("client_id") != settings["jobhax.linkedin_client_id"]:
        raise NotOurs()


def _linkedin_pair(settings):
    return bool(settings.get("jobhax.linkedin_client_id") and settings.get("jobhax.linkedin_client_secret"))
