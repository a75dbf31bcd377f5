"""Social login (/api/users/auth_social_user) and the caller's LinkedIn profile."""

import colander

from jobhax.accounts import services, social
from jobhax.accounts.schemas import ClientCredentials
from jobhax.accounts.views import no_store
from jobhax.api import api_service
from jobhax.envelope import ApiError, ErrorCode, envelope
from jobhax.schema import Text, body_validator, provider_token

auth_social_user = api_service(
    "auth_social_user",
    "/api/users/auth_social_user",
    "Exchange a Google or LinkedIn access token for JobHax tokens.",
)
get_linkedin_profile = api_service(
    "get_linkedin_profile", "/api/users/get_linkedin_profile", "The caller's LinkedIn basic profile."
)


class AuthSocialBody(ClientCredentials):
    provider = colander.SchemaNode(Text(), validator=colander.OneOf(social.PROVIDERS))
    token = provider_token()


@auth_social_user.post(schema=AuthSocialBody, validators=(no_store, body_validator))
def auth_social(request):
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


@get_linkedin_profile.get(permission="authenticated")
def linkedin_profile(request):
    return envelope(
        social.linkedin_profile(request.dbsession, request.registry.settings, request.authenticated_userid)
    )
