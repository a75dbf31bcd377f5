"""Request schemas of the Gmail import endpoints."""

from jobhax.validation import JsonBody, provider_token


class UpdateGmailTokenBody(JsonBody):
    token = provider_token()
