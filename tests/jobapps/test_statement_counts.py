"""Each endpoint issues a fixed number of SQL statements, however many rows the caller has."""

import datetime

import pytest

from jobhax.jobapps.models import Note, StatusHistory
from tests.api_client import ApiClient
from tests.jobapps.conftest import ENDPOINTS, call, valid_params

MANY_JOBAPPS = 50
MANY_ROWS = 20


def _client(testapp, factories, jobapps, notes_and_history):
    """A user with ``jobapps`` applications; the newest carries ``notes_and_history`` notes and history rows."""
    user = factories.user()
    client = ApiClient(testapp, user, factories.access_token(user))
    start = datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC)
    for day in range(jobapps):
        target = factories.jobapp(user, application_date=start + datetime.timedelta(days=day))
    changed_at = start + datetime.timedelta(days=jobapps)
    factories.db.add_all(
        [
            Note(user_id=user.id, jobapp_id=target.id, description=f"note {n}", created_at=changed_at)
            for n in range(notes_and_history)
        ]
        + [
            StatusHistory(user_id=user.id, jobapp_id=target.id, status_id=n % 5 + 1, changed_at=changed_at)
            for n in range(notes_and_history)
        ]
    )
    # One note to act on, whatever the size.
    note = factories.note(target)
    return client, target.id, note.id


@pytest.fixture
def small(testapp, factories):
    return _client(testapp, factories, jobapps=1, notes_and_history=0)


@pytest.fixture
def large(testapp, factories):
    return _client(testapp, factories, jobapps=MANY_JOBAPPS, notes_and_history=MANY_ROWS)


def _statements(count_statements, client, name, params):
    call(client, "get_statuses", {})  # Warm the pool so connection set-up is never counted.
    with count_statements() as counter:
        response = call(client, name, params)
    assert response.status_int == 200, response.json
    return counter.count


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_each_endpoint_issues_the_same_statements_for_few_and_many_rows(count_statements, small, large, name):
    counts = [
        _statements(count_statements, client, name, valid_params(name, jobapp_id, note_id))
        for client, jobapp_id, note_id in (small, large)
    ]
    assert counts[0] == counts[1]


@pytest.mark.parametrize("params", [{"status_id": 1}, {"status_id": 4}])
def test_the_status_filter_issues_the_same_statements_for_few_and_many_rows(
    count_statements, small, large, params
):
    counts = [_statements(count_statements, client, "get_jobapps", params) for client, _, _ in (small, large)]
    assert counts[0] == counts[1]


def test_lists_really_return_the_many_rows(small, large):
    client, jobapp_id, _ = large
    assert len(call(client, "get_jobapps", {}).json["data"]) == MANY_JOBAPPS
    assert len(call(client, "get_jobapp_notes", {"jobapp_id": jobapp_id}).json["data"]) == MANY_ROWS + 1
    assert len(call(client, "get_status_history", {"jobapp_id": jobapp_id}).json["data"]) == MANY_ROWS + 1
