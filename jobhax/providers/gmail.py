"""Gmail: list message ids matching a query, read messages.

One client holds one session whose connection pool is as large as the number of threads
the caller reads messages with, so concurrent ``get_message`` calls reuse connections
instead of opening one each.
"""

from urllib.parse import quote

from jobhax.providers import bearer_session, json_body, send, url

MESSAGES_PATH = "/gmail/v1/users/me/messages"
PAGE_SIZE = 500  # Gmail's maximum maxResults.


class GmailClient:
    def __init__(self, settings, token, max_connections=16):
        self.settings = settings
        self.session = bearer_session(token, max_connections=max_connections)
        self.messages_url = url(settings, "jobhax.google_api_base", MESSAGES_PATH)

    def list_message_ids(self, query, page_size=PAGE_SIZE):
        """Every message id matching ``query``, spam and trash excluded, following nextPageToken."""
        params = {"q": query, "includeSpamTrash": "false", "maxResults": page_size}
        while True:
            page = json_body(send(self.session, self.settings, "GET", self.messages_url, params=params))
            # Gmail leaves "messages" out of a page with no results.
            for message in page.get("messages") or ():
                yield message["id"]
            next_token = page.get("nextPageToken")
            if not next_token:
                return
            params = dict(params, pageToken=next_token)

    def get_message(self, msg_id):
        """The whole message (``format=full``): headers, MIME parts, base64url bodies, internalDate."""
        return json_body(
            send(
                self.session,
                self.settings,
                "GET",
                f"{self.messages_url}/{quote(str(msg_id), safe='')}",
                params={"format": "full"},
            )
        )

    def close(self):
        self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
