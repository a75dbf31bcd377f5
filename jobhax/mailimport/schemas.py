"""Request schemas of the Gmail import endpoints."""
from jobhax.schema import JsonBody, required_text

# Google access tokens are a few hundred characters; room to spare without storing megabytes.
GOOGLE_TOKEN_MAX = 4096


class UpdateGmailTokenBody(JsonBody):
    token = required_text(GOOGLE_TOKEN_MAX)
