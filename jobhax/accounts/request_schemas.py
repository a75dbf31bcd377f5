import colander

from jobhax.accounts.models import EMAIL_MAX, NAME_MAX, USERNAME_MAX
from jobhax.accounts.social import PROVIDERS
from jobhax.validation import JsonBody, Text, provider_token, required_text

PASSWORD_MAX = 1024
CREDENTIAL_MAX = 256


class RegisterBody(JsonBody):
    first_name = colander.SchemaNode(Text(), validator=colander.Length(max=NAME_MAX), missing="")
    last_name = colander.SchemaNode(Text(), validator=colander.Length(max=NAME_MAX), missing="")
    username = required_text(
        USERNAME_MAX, preparer=lambda value: value.strip() if isinstance(value, str) else value
    )
    email = colander.SchemaNode(
        Text(), validator=colander.All(colander.Length(max=EMAIL_MAX), colander.Email())
    )
    password = required_text(PASSWORD_MAX)
    password2 = required_text(PASSWORD_MAX)


class ClientCredentials(JsonBody):
    client_id = required_text(CREDENTIAL_MAX)
    client_secret = required_text(CREDENTIAL_MAX)


class LoginBody(ClientCredentials):
    username = required_text(USERNAME_MAX)
    password = required_text(PASSWORD_MAX)


class RefreshBody(ClientCredentials):
    refresh_token = required_text(CREDENTIAL_MAX)


def without_bearer_prefix(value):
    """One 2019 client sends logout's token as it sends its Authorization header: ``Bearer <token>``."""
    if isinstance(value, str):
        scheme, _, token = value.partition(" ")
        if scheme.lower() == "bearer":
            return token.strip()
    return value


class LogoutBody(ClientCredentials):
    token = required_text(CREDENTIAL_MAX, preparer=without_bearer_prefix)


class AuthSocialBody(ClientCredentials):
    provider = colander.SchemaNode(Text(), validator=colander.OneOf(PROVIDERS))
    token = provider_token()
