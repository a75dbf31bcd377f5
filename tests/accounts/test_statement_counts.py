"""Account endpoints issue a fixed number of SQL statements, however many sessions and tokens a user has."""

import datetime

import pytest

from jobhax.accounts import email_tokens
from tests.api_client import ApiClient
from tests.factories import PASSWORD

NEW = "a brand new passphrase"


def _client(testapp, factories, sessions):
    user = factories.user()
    for _ in range(sessions):
        factories.access_token(user)
        email_tokens.issue(
            factories.db, user.id, email_tokens.VERIFY_EMAIL, datetime.datetime.now(datetime.UTC)
        )
        email_tokens.issue(
            factories.db, user.id, email_tokens.RESET_PASSWORD, datetime.datetime.now(datetime.UTC)
        )
    factories.db.commit()
    return ApiClient(testapp, user, factories.access_token(user))


REQUESTS = {
    "verify_email": lambda client, token: ("post", "/api/users/verify_email", {"token": token}),
    "reset_password": lambda client, token: (
        "post",
        "/api/users/reset_password",
        {"token": token, "password": NEW, "password2": NEW},
    ),
    "resend_verification": lambda client, token: ("post", "/api/users/resend_verification", {}),
    "change_password": lambda client, token: (
        "post",
        "/api/users/change_password",
        {"old_password": PASSWORD, "password": NEW, "password2": NEW},
    ),
    "update_profile": lambda client, token: ("post", "/api/users/update_profile", {"first_name": "Joe"}),
    "get_profile": lambda client, token: ("get", "/api/users/get_profile", None),
    "request_password_reset": lambda client, token: (
        "post",
        "/api/users/request_password_reset",
        {"email": client.user.email},
    ),
}
PURPOSES = {"verify_email": email_tokens.VERIFY_EMAIL, "reset_password": email_tokens.RESET_PASSWORD}


def _statements(count_statements, client, db, name):
    token = None
    if name in PURPOSES:
        token = email_tokens.issue(db, client.user.id, PURPOSES[name], datetime.datetime.now(datetime.UTC))
        db.commit()
    method, path, body = REQUESTS[name](client, token)
    client.get("/api/users/get_profile")  # warm the pool
    with count_statements() as counter:
        response = client.get(path) if method == "get" else client.post(path, body)
    assert response.status_int == 200, response.json
    return counter.count


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_each_account_endpoint_issues_the_same_statements_for_few_and_many_tokens(
    testapp, factories, db, count_statements, name
):
    few, many = _client(testapp, factories, 0), _client(testapp, factories, 20)
    assert _statements(count_statements, few, db, name) == _statements(count_statements, many, db, name)
