"""Events are queued in the transaction of their change: one job per subscribed hook, none on rollback."""

import threading

import pytest
from sqlalchemy import text

from jobhax.jobapps import services as jobapps
from jobhax.webhooks import events as webhook_events
from jobhax.webhooks.events import QUEUE, TASK_NAME
from tests.api_client import ApiClient, assert_ok
from tests.workers import wait_until

JOBS = text(
    "SELECT lock, args FROM procrastinate_jobs WHERE task_name = :task AND queue_name = :queue ORDER BY id"
)


def jobs(db):
    db.commit()  # a fresh snapshot
    return [(row.lock, row.args) for row in db.execute(JOBS, {"task": TASK_NAME, "queue": QUEUE})]


def hook(api, events, url="https://93.184.216.34/hook"):
    return assert_ok(api.post("/api/users/add_webhook", {"url": url, "events": events}))


def test_each_change_queues_one_job_per_subscribed_hook_with_the_application_object(api, db):
    everything = hook(api, ["jobapp.created", "jobapp.updated", "jobapp.deleted", "jobapp.status_changed"])
    created_only = hook(api, ["jobapp.created"])
    hook(api, ["import.finished"])

    created = assert_ok(api.post("/api/jobapps/add_jobapp", {"job_title": "Engineer", "company": "Acme"}))
    queued = jobs(db)
    assert [(lock, args["event"], args["webhook_id"]) for lock, args in queued] == [
        (f"webhook:{everything['id']}", "jobapp.created", everything["id"]),
        (f"webhook:{created_only['id']}", "jobapp.created", created_only["id"]),
    ]
    args = queued[0][1]
    assert args["data"] == created
    assert args["user_id"] == api.user.id
    assert args["timestamp"].endswith("Z") and args["message_id"].startswith("msg_")
    # One event, one webhook-id for every hook.
    assert queued[1][1]["message_id"] == args["message_id"]

    assert_ok(api.post("/api/jobapps/update_jobapp", {"jobapp_id": created["id"], "status_id": 3}))
    changed = jobs(db)[2:]
    assert [args["event"] for _, args in changed] == ["jobapp.updated", "jobapp.status_changed"]
    updated, status_changed = changed[0][1]["data"], changed[1][1]["data"]
    assert updated["applicationStatus"] == {"id": 3, "value": "Phone Screen"}
    assert status_changed == dict(
        updated,
        from_status={"id": 1, "value": "Applied"},
        to_status={"id": 3, "value": "Phone Screen"},
        origin="user",
    )
    assert changed[0][1]["message_id"] != changed[1][1]["message_id"]

    # A rejection is an update, not a status change; an update that changes nothing is no event.
    assert_ok(api.post("/api/jobapps/update_jobapp", {"jobapp_id": created["id"], "rejected": True}))
    assert_ok(api.post("/api/jobapps/update_jobapp", {"jobapp_id": created["id"], "status_id": 3}))
    rejected = jobs(db)[4:]
    assert [(args["event"], args["data"]["isRejected"]) for _, args in rejected] == [("jobapp.updated", True)]

    assert_ok(api.post("/api/jobapps/delete_jobapp", {"jobapp_id": created["id"]}))
    deleted = jobs(db)[5:]
    assert [(args["event"], args["data"]["id"]) for _, args in deleted] == [("jobapp.deleted", created["id"])]


def test_a_rolled_back_change_queues_nothing(api, factories, db):
    hook(api, ["jobapp.created", "jobapp.deleted"])
    session = factories.db
    jobapp = jobapps.add_jobapp(session, api.user.id, job_title="Engineer", company="Acme")
    jobapps.delete_jobapp(session, jobapp)
    in_transaction = session.execute(JOBS, {"task": TASK_NAME, "queue": QUEUE}).all()
    assert [row.args["event"] for row in in_transaction] == ["jobapp.created", "jobapp.deleted"]
    session.rollback()
    assert jobs(db) == []


def test_a_failed_request_queues_nothing(api, db):
    hook(api, ["jobapp.created", "jobapp.updated"])
    api.post("/api/jobapps/add_jobapp", {"job_title": "Engineer", "company": "Acme", "status_id": 999})
    api.post("/api/jobapps/update_jobapp", {"jobapp_id": 999, "status_id": 2})
    assert jobs(db) == []


def test_other_users_disabled_and_deleted_hooks_get_nothing(api, other_api, db):
    theirs = hook(other_api, ["jobapp.created"])
    disabled = hook(api, ["jobapp.created"])
    deleted = hook(api, ["jobapp.created"])
    db.execute(text("UPDATE webhooks SET disabled_at = now() WHERE id = :id"), {"id": disabled["id"]})
    db.commit()
    assert_ok(api.post("/api/users/delete_webhook", {"webhook_id": deleted["id"]}))
    assert_ok(api.post("/api/jobapps/add_jobapp", {"job_title": "Engineer", "company": "Acme"}))
    assert jobs(db) == []
    assert_ok(other_api.post("/api/jobapps/add_jobapp", {"job_title": "Engineer", "company": "Acme"}))
    assert [args["webhook_id"] for _, args in jobs(db)] == [theirs["id"]]
    assert assert_ok(api.get("/api/users/get_webhooks"))[0]["disabled"] is True


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("add_jobapp", {"job_title": "Engineer", "company": "Acme"}),
        ("update_jobapp", {"status_id": 2}),
        ("delete_jobapp", {}),
    ],
)
def test_writes_issue_the_same_statements_with_three_hooks_as_with_none(
    testapp, factories, count_statements, path, body
):
    def write(api, prepared):
        return api.post(f"/api/jobapps/{path}", dict(body, jobapp_id=prepared.id))

    counts = statement_counts_with_hooks(testapp, factories, count_statements, factories.jobapp, write)
    assert counts[0] == counts[1]


def statement_counts_with_hooks(testapp, factories, count_statements, prepare, write):
    """The statements of ``write(api, prepare(user))`` for a user with no hook, then one with three."""
    counts = []
    for hooks in (0, 3):
        user = factories.user()
        api = ApiClient(testapp, user, factories.access_token(user))
        for _ in range(hooks):
            hook(api, ["jobapp.created", "jobapp.updated", "jobapp.status_changed", "jobapp.deleted"])
        prepared = prepare(user)
        api.get("/api/jobapps/get_statuses")  # the pool warmed
        with count_statements() as counter:
            response = write(api, prepared)
        assert response.status_int == 200, response.json
        counts.append(counter.count)
    return counts


def test_jobs_of_one_hook_are_numbered_in_commit_order(api, app, db):
    """A second transaction queueing for the same hook waits for the first to commit, so procrastinate's
    id order (the order a hook's jobs run in) is the commit order."""
    hook(api, ["jobapp.created"])
    first = app.registry["dbsession_factory"]()
    second = app.registry["dbsession_factory"]()
    try:
        jobapps.add_jobapp(first, api.user.id, job_title="First", company="Acme")
        second_pid = second.scalar(text("SELECT pg_backend_pid()"))

        def queue_second():
            jobapps.add_jobapp(second, api.user.id, job_title="Second", company="Acme")
            second.commit()

        thread = threading.Thread(target=queue_second)
        thread.start()
        wait_until(
            lambda: db.scalar(
                text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"),
                {"pid": second_pid},
            ),
            message="the second transaction waiting for the hook",
        )
        db.rollback()
        first.commit()
        thread.join(timeout=30)
        assert not thread.is_alive()
    finally:
        first.close()
        second.close()
    assert [args["data"]["jobTitle"] for _, args in jobs(db)] == ["First", "Second"]


def test_changes_to_many_applications_queue_their_events_in_one_statement(api, factories, count_statements):
    """As a status deletion, a merge or the mail import changes several applications at once."""
    hook(api, ["jobapp.updated", "jobapp.status_changed", "jobapp.deleted"])
    moved = [factories.jobapp(api.user, status_id=5) for _ in range(3)]
    session = factories.db
    for jobapp in moved:
        jobapp.status_id = 2
    session.flush()
    with count_statements() as counter:
        webhook_events.jobapps_updated(
            session, api.user.id, [(moved[0].id, 5), (moved[1].id, None), (moved[2].id, 5)], origin="email"
        )
        webhook_events.jobapps_deleted(session, api.user.id, [moved[1].id])
    session.commit()
    assert counter.count == 2
    queued = [args for _, args in jobs(session)]
    assert [(args["event"], args["data"]["id"]) for args in queued] == [
        ("jobapp.updated", moved[0].id),
        ("jobapp.status_changed", moved[0].id),
        ("jobapp.updated", moved[1].id),
        ("jobapp.updated", moved[2].id),
        ("jobapp.status_changed", moved[2].id),
        ("jobapp.deleted", moved[1].id),
    ]
    changed = queued[1]["data"]
    assert changed["from_status"] == {"id": 5, "value": "Offer"}
    assert changed["to_status"] == {"id": 2, "value": "To Apply"} and changed["origin"] == "email"
