"""Login throttling over real sockets: parallel guesses, and a second client address (127.0.0.2).

Linux routes all of 127.0.0.0/8 to the loopback interface, so a client socket bound to 127.0.0.2 reaches
the server on 127.0.0.1 from another peer address, exactly as another machine would.
"""

import http.client
import json
from urllib.parse import urlencode, urlsplit

from sqlalchemy import func, select

from jobhax.accounts.models import LoginFailure
from tests.factories import PASSWORD
from tests.reliability.conftest import WAIT, concurrently

CLIENTS = 20


def call(base_url, path, body, source="127.0.0.1", form=False):
    """POST from a client socket bound to ``source``; (status, JSON body)."""
    url = urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=WAIT, source_address=(source, 0))
    try:
        if form:
            payload, content_type = urlencode(body), "application/x-www-form-urlencoded"
        else:
            payload, content_type = json.dumps(body), "application/json"
        connection.request("POST", path, body=payload, headers={"Content-Type": content_type})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def login(base_url, client, username, password, source="127.0.0.1"):
    body = dict(client_id=client["client_id"], client_secret=client["client_secret"], username=username)
    return call(base_url, "/api/users/login", dict(body, password=password), source)


def token_grant(base_url, client, username, password, source="127.0.0.1"):
    form = dict(
        grant_type="password",
        username=username,
        password=password,
        client_id=client["client_id"],
        client_secret=client["client_secret"],
    )
    return call(base_url, "/oauth/token", form, source, form=True)


def test_twenty_parallel_wrong_guesses_let_at_most_five_through(served, factories, oauth_client, db):
    user = factories.user()

    def guess(i):
        # Both endpoints at once: they share the count.
        if i % 2:
            status, body = token_grant(served, oauth_client, user.username, f"guess-{i}")
            return "tried" if status == 400 else "refused" if status == 429 else (status, body)
        status, body = login(served, oauth_client, user.username, f"guess-{i}")
        return (
            "tried" if body["error_code"] == 6 else "refused" if body["error_code"] == 12 else (status, body)
        )

    answers = concurrently(CLIENTS, guess)

    assert sorted(answers) == ["refused"] * (CLIENTS - 5) + ["tried"] * 5, answers
    assert db.scalar(select(func.count()).select_from(LoginFailure)) == 5
    # The right password from the guesser's address is refused too, until the window passes.
    assert login(served, oauth_client, user.username, PASSWORD)[1]["error_code"] == 12


def test_the_right_password_from_another_address_logs_in_while_one_is_locked_out(
    served, factories, oauth_client
):
    user = factories.user()
    for n in range(5):
        status, body = login(served, oauth_client, user.username, f"guess-{n}", source="127.0.0.1")
        assert (status, body["error_code"]) == (401, 6)
    status, body = login(served, oauth_client, user.username, PASSWORD, source="127.0.0.1")
    assert (status, body["error_code"]) == (429, 12)

    status, body = login(served, oauth_client, user.username, PASSWORD, source="127.0.0.2")
    assert (status, body["error_code"]) == (200, 0) and body["data"]["access_token"]
    status, body = token_grant(served, oauth_client, user.username, PASSWORD, source="127.0.0.2")
    assert status == 200 and body["access_token"]
    # And 127.0.0.1 is still locked out.
    assert token_grant(served, oauth_client, user.username, PASSWORD, source="127.0.0.1")[0] == 429
