"""Social login (/api/users/auth_social_user) and the caller's LinkedIn profile."""

from jobhax.accounts import services, social
from jobhax.accounts.request_schemas import AuthSocialBody
from jobhax.accounts.views import no_store
from jobhax.api import AUTHENTICATED, PUBLIC, ApiService
from jobhax.envelope import ApiError, ErrorCode, envelope
from jobhax.validation import body_validator

auth_social_user_service = ApiService(
    "auth_social_user",
    "/api/users/auth_social_user",
    "Exchange a Google or LinkedIn access token for JobHax tokens.",
)
get_linkedin_profile_service = ApiService(
    "get_linkedin_profile", "/api/users/get_linkedin_profile", "The caller's LinkedIn basic profile."
)


@auth_social_user_service.post(
    schema=AuthSocialBody, validators=(no_store, body_validator), permission=PUBLIC
)
def auth_social_user(request):
    params = request.validated
    # The client first: a wrong client never costs a call to the provider.
    client = services.authenticate_client(request.dbsession, params["client_id"], params["client_secret"])
    if client is None:
        raise ApiError(ErrorCode.INVALID_CREDENTIALS)
    settings = request.registry.settings
    user = social.login_with_provider(request.dbsession, settings, params["provider"], params["token"])
    return envelope(
        services.issue_token_pair(
            request.dbsession,
            user_id=user.id,
            client_pk=client.id,
            expires_in=settings["jobhax.access_token_expires_in"],
            refresh_expires_in=settings["jobhax.refresh_token_expires_in"],
        )
    )


@get_linkedin_profile_service.get(permission=AUTHENTICATED)
def get_linkedin_profile(request):
    return envelope(
        social.linkedin_profile(request.dbsession, request.registry.settings, request.authenticated_userid)
    )
