"""Request schemas of the Gmail import endpoints."""
import colander

from jobhax.schema import JsonBody, Text

# Google access tokens are a few hundred characters; room to spare without storing megabytes.
GOOGLE_TOKEN_MAX = 4096
# OAuth2 bearer tokens are visible ASCII (RFC 6750 b64token); anything else cannot even travel in a header.
TOKEN_CHARACTERS = r"^[\x21-\x7e]+$"


class UpdateGmailTokenBody(JsonBody):
    token = colander.SchemaNode(Text(), validator=colander.All(
        colander.Length(min=1, max=GOOGLE_TOKEN_MAX),
        colander.Regex(TOKEN_CHARACTERS, msg="must be an OAuth2 access token")))
