"""Twenty clients at once against the served app: no lost update, no duplicate, never a 500."""

import itertools

import requests
from sqlalchemy import func, select

from jobhax.accounts.models import OAuthToken, User
from jobhax.jobapps.models import JobApplication, StatusHistory
from tests.factories import PASSWORD
from tests.reliability.conftest import concurrently, get, post

CLIENTS = 20


def test_concurrent_status_updates_leave_one_history_row_per_actual_change(served, factories, db):
    user = factories.user()
    token = factories.access_token(user)
    jobapp = factories.jobapp(user, status_id=1)
    # Every status several times over, so some updates change nothing and must add no row.
    requested = [2 + i % 4 for i in range(CLIENTS)]

    answers = concurrently(
        CLIENTS,
        lambda i: post(
            f"{served}/api/jobapps/update_jobapp", {"jobapp_id": jobapp.id, "status_id": requested[i]}, token
        ),
    )

    assert all(status == 200 and body["success"] for status, body in answers), answers
    final = db.scalar(select(JobApplication.status_id).where(JobApplication.id == jobapp.id))
    assert final in requested
    history = db.scalars(
        select(StatusHistory.status_id)
        .where(StatusHistory.jobapp_id == jobapp.id)
        .order_by(StatusHistory.changed_at, StatusHistory.id)
    ).all()
    # One row for the creation, then one per real change: no two neighbours alike, the last one is final.
    assert history[0] == 1 and history[-1] == final
    assert all(before != after for before, after in itertools.pairwise(history)), history
    assert set(history[1:]) <= set(requested) and len(history) <= CLIENTS + 1
    _, listed = get(f"{served}/api/jobapps/get_status_history", token, jobapp_id=jobapp.id)
    assert [row["applicationStatus"]["id"] for row in listed["data"]] == history


def test_concurrent_registrations_of_one_username_create_one_user(served, db):
    def register(i):
        return post(
            f"{served}/api/users/register",
            {
                "first_name": "Joe",
                "last_name": "Smith",
                "username": "joesmith",
                "email": f"joe{i}@example.com",
                "password": PASSWORD,
                "password2": PASSWORD,
            },
        )

    answers = concurrently(CLIENTS, register)

    codes = sorted(body["error_code"] for _, body in answers)
    assert codes == [0] + [8] * (CLIENTS - 1), answers
    assert all(status == (200 if body["success"] else 409) for status, body in answers)
    assert db.scalar(select(func.count()).select_from(User).where(User.username == "joesmith")) == 1


def test_concurrent_registrations_of_one_email_create_one_user(served, db):
    def register(i):
        return post(
            f"{served}/api/users/register",
            {
                "username": f"joe{i}",
                "email": "Joe@Example.com" if i % 2 else "joe@example.com",
                "password": PASSWORD,
                "password2": PASSWORD,
            },
        )

    answers = concurrently(CLIENTS, register)

    assert sorted(body["error_code"] for _, body in answers) == [0] + [9] * (CLIENTS - 1), answers
    assert db.scalar(select(func.count()).select_from(User)) == 1


def test_concurrent_refreshes_of_one_refresh_token_rotate_it_once_then_end_the_login(
    served, factories, oauth_client, db
):
    """One rotation wins; every other request presented a token that was spent by then, which is a replay
    (DESIGN "Sessions"): the whole login is revoked, the winner's new pair included."""
    user = factories.user()
    pair = factories.token_pair(user, client=oauth_client)
    body = {
        "client_id": oauth_client["client_id"],
        "client_secret": oauth_client["client_secret"],
        "refresh_token": pair["refresh_token"],
    }

    answers = concurrently(CLIENTS, lambda i: post(f"{served}/api/users/refresh_token", body))

    winners = [body["data"] for status, body in answers if status == 200]
    assert len(winners) == 1, answers
    assert all(body["error_code"] == 1 and status == 401 for status, body in answers if status != 200)
    live = db.scalar(
        select(func.count())
        .select_from(OAuthToken)
        .where(OAuthToken.user_id == user.id, OAuthToken.revoked_at.is_(None))
    )
    assert live == 0
    assert get(f"{served}/api/jobapps/get_statuses", winners[0]["access_token"])[0] == 401
    assert get(f"{served}/api/jobapps/get_statuses", pair["access_token"])[0] == 401


def test_concurrent_standard_refreshes_rotate_once(served, factories, oauth_client):
    user = factories.user()
    pair = factories.token_pair(user, client=oauth_client)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": pair["refresh_token"],
        "client_id": oauth_client["client_id"],
        "client_secret": oauth_client["client_secret"],
    }

    answers = concurrently(CLIENTS, lambda i: requests.post(f"{served}/oauth/token", data=form, timeout=30))

    statuses = sorted(response.status_code for response in answers)
    assert statuses == [200] + [400] * (CLIENTS - 1), [response.text for response in answers]
    assert all(
        response.json()["error"] == "invalid_grant" for response in answers if response.status_code == 400
    )
