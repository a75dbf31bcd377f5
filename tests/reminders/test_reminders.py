"""Reminder endpoints: exact bodies, open ones soonest first, owned like notes, quota, fixed statements."""

import pytest
from sqlalchemy import text

from jobhax.quotas import REMINDERS as MAX_REMINDERS
from tests.api_client import ApiClient, assert_error, assert_ok

BASE = "/api/jobapps"


def add(api, jobapp_id, due_at="2030-01-02T09:30:00Z", text="Follow up"):
    return api.post(f"{BASE}/add_reminder", {"jobapp_id": jobapp_id, "due_at": due_at, "text": text})


def reminders(api, **params):
    return assert_ok(api.get(f"{BASE}/get_reminders", params))


def test_add_reminder_answers_the_reminder_in_utc_with_z(api, factories):
    jobapp = factories.jobapp(api.user)
    reminder = assert_ok(add(api, str(jobapp.id), due_at="2030-01-02T10:30:00+01:00", text=" Call Ann ✓ "))
    assert reminder == {
        "id": reminder["id"],
        "jobapp_id": jobapp.id,
        "due_at": "2030-01-02T09:30:00Z",
        "text": " Call Ann ✓ ",
        "done": False,
    }
    assert reminders(api) == [reminder]


def test_get_reminders_lists_open_ones_soonest_first_and_filters_by_application(api, factories):
    first = factories.jobapp(api.user)
    second = factories.jobapp(api.user, company="Acme")
    late = assert_ok(add(api, first.id, due_at="2030-03-01T00:00:00Z", text="late"))
    soon = assert_ok(add(api, second.id, due_at="2030-01-01T00:00:00Z", text="soon"))
    middle = assert_ok(add(api, first.id, due_at="2030-02-01", text="middle"))
    done = assert_ok(add(api, first.id, due_at="2029-01-01T00:00:00Z", text="done"))
    assert_ok(api.post(f"{BASE}/update_reminder", {"reminder_id": done["id"], "done": True}))

    assert reminders(api) == [soon, middle, late]
    assert middle["due_at"] == "2030-02-01T00:00:00Z"
    assert reminders(api, jobapp_id=first.id) == [middle, late]
    # The legacy spelling of the notes endpoints works here too.
    assert reminders(api, jopapp_id=second.id) == [soon]


def test_update_reminder_changes_only_what_it_is_given(api, factories):
    jobapp = factories.jobapp(api.user)
    reminder = assert_ok(add(api, jobapp.id))
    moved = assert_ok(
        api.post(f"{BASE}/update_reminder", {"reminder_id": reminder["id"], "due_at": "2031-05-06T07:08:09Z"})
    )
    assert moved == dict(reminder, due_at="2031-05-06T07:08:09Z")
    renamed = assert_ok(api.post(f"{BASE}/update_reminder", {"reminder_id": reminder["id"], "text": "Email"}))
    assert renamed == dict(moved, text="Email")
    finished = assert_ok(api.post(f"{BASE}/update_reminder", {"reminder_id": reminder["id"], "done": "true"}))
    assert finished == dict(renamed, done=True)
    assert reminders(api) == []
    reopened = assert_ok(api.post(f"{BASE}/update_reminder", {"reminder_id": reminder["id"], "done": False}))
    assert reminders(api) == [reopened]


def test_delete_reminder_removes_it(api, factories):
    jobapp = factories.jobapp(api.user)
    reminder = assert_ok(add(api, jobapp.id))
    assert assert_ok(api.post(f"{BASE}/delete_reminder", {"reminder_id": reminder["id"]})) is None
    assert reminders(api) == []
    assert_error(api.post(f"{BASE}/delete_reminder", {"reminder_id": reminder["id"]}), 11, 404)


def test_another_users_reminders_and_applications_are_missing(api, other_api, factories):
    mine = factories.jobapp(api.user)
    theirs = factories.jobapp(other_api.user)
    their_reminder = assert_ok(add(other_api, theirs.id))

    assert_error(add(api, theirs.id), 11, 404)
    assert_error(api.get(f"{BASE}/get_reminders", {"jobapp_id": theirs.id}), 11, 404)
    assert_error(
        api.post(f"{BASE}/update_reminder", {"reminder_id": their_reminder["id"], "text": "x"}), 11, 404
    )
    assert_error(api.post(f"{BASE}/delete_reminder", {"reminder_id": their_reminder["id"]}), 11, 404)
    # Exactly like an id that never existed.
    assert_error(api.post(f"{BASE}/update_reminder", {"reminder_id": 999999, "text": "x"}), 11, 404)
    assert_error(add(api, 999999), 11, 404)
    assert reminders(api) == []
    assert reminders(other_api) == [their_reminder]
    assert_ok(add(api, mine.id))


def test_a_reminder_of_a_deleted_application_is_gone_with_it(api, factories):
    jobapp = factories.jobapp(api.user)
    kept = factories.jobapp(api.user)
    reminder = assert_ok(add(api, jobapp.id))
    other = assert_ok(add(api, kept.id))
    assert_ok(api.post(f"{BASE}/delete_jobapp", {"jobapp_id": jobapp.id}))

    assert reminders(api) == [other]
    assert_error(api.get(f"{BASE}/get_reminders", {"jobapp_id": jobapp.id}), 11, 404)
    assert_error(api.post(f"{BASE}/update_reminder", {"reminder_id": reminder["id"], "done": True}), 11, 404)
    assert_error(api.post(f"{BASE}/delete_reminder", {"reminder_id": reminder["id"]}), 11, 404)
    assert_error(add(api, jobapp.id), 11, 404)


OWN = object()  # stands for the caller's application id


@pytest.mark.parametrize(
    "body",
    [
        {"due_at": "2030-01-01T00:00:00Z", "text": "x"},
        {"jobapp_id": "abc", "due_at": "2030-01-01T00:00:00Z", "text": "x"},
        {"jobapp_id": True, "due_at": "2030-01-01T00:00:00Z", "text": "x"},
        {"jobapp_id": OWN, "text": "x"},
        {"jobapp_id": OWN, "due_at": "tomorrow", "text": "x"},
        {"jobapp_id": OWN, "due_at": "2030-01-01T00:00:00Z"},
        {"jobapp_id": OWN, "due_at": "2030-01-01T00:00:00Z", "text": ""},
        {"jobapp_id": OWN, "due_at": "2030-01-01T00:00:00Z", "text": "x" * 1001},
        {"jobapp_id": OWN, "due_at": "2030-01-01T00:00:00Z", "text": 5},
    ],
)
def test_add_reminder_refuses_bad_parameters(api, factories, db, body):
    jobapp = factories.jobapp(api.user)
    body = {key: jobapp.id if value is OWN else value for key, value in body.items()}
    assert_error(api.post(f"{BASE}/add_reminder", body), 10, 400)
    assert db.scalar(text("SELECT count(*) FROM reminders")) == 0


def test_text_of_exactly_1000_characters_is_accepted(api, factories):
    jobapp = factories.jobapp(api.user)
    assert assert_ok(add(api, jobapp.id, text="x" * 1000))["text"] == "x" * 1000


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": "x"},
        {"reminder_id": 1},
        {"reminder_id": 1, "done": "maybe"},
        {"reminder_id": 1, "text": ""},
    ],
)
def test_update_reminder_refuses_bad_parameters(api, body):
    assert_error(api.post(f"{BASE}/update_reminder", body), 10, 400)


def test_reminders_need_a_bearer(testapp):
    response = testapp.get(f"{BASE}/get_reminders", expect_errors=True)
    assert_error(response, 1, 401)


def test_500_reminders_per_user_then_17(api, factories, db):
    first = factories.jobapp(api.user)
    second = factories.jobapp(api.user)
    db.execute(
        text(
            "INSERT INTO reminders (user_id, jobapp_id, due_at, text)"
            " SELECT :user_id, :jobapp_id, now(), 'r' || n FROM generate_series(1, :count) AS n"
        ),
        {"user_id": api.user.id, "jobapp_id": first.id, "count": MAX_REMINDERS - 1},
    )
    db.commit()
    assert_ok(add(api, second.id))
    assert_error(add(api, second.id), 17, 409)
    assert db.scalar(text("SELECT count(*) FROM reminders")) == MAX_REMINDERS
    # Done ones still count; deleting one frees a place.
    last = reminders(api, jobapp_id=second.id)[0]
    assert_ok(api.post(f"{BASE}/delete_reminder", {"reminder_id": last["id"]}))
    assert_ok(add(api, second.id))


def _call(name, api, jobapp_id, reminder_id):
    if name == "add":
        return add(api, jobapp_id)
    if name == "update":
        return api.post(f"{BASE}/update_reminder", {"reminder_id": reminder_id, "text": "y"})
    if name == "delete":
        return api.post(f"{BASE}/delete_reminder", {"reminder_id": reminder_id})
    if name == "list":
        return api.get(f"{BASE}/get_reminders")
    return api.get(f"{BASE}/get_reminders", {"jobapp_id": jobapp_id})


@pytest.mark.parametrize("name", ["add", "update", "delete", "list", "list_one"])
def test_each_reminder_endpoint_issues_the_same_statements_for_few_and_many(
    count_statements, testapp, factories, name
):
    counts = []
    for size in (1, 40):
        user = factories.user()
        api = ApiClient(testapp, user, factories.access_token(user))
        jobapp = factories.jobapp(user)
        ids = [assert_ok(add(api, jobapp.id, text=f"r{n}"))["id"] for n in range(size)]
        api.get(f"{BASE}/get_statuses")  # the pool warmed: connection set-up is never counted
        with count_statements() as counter:
            response = _call(name, api, jobapp.id, ids[0])
        assert response.status_int == 200, response.json
        counts.append(counter.count)
    assert counts[0] == counts[1]
