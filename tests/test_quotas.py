"""Quotas (code 17): live applications per user, notes per application; exact under concurrency."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import text

from jobhax import quotas
from tests.api_client import assert_error, assert_ok
from tests.servers import serve

ADD = "/api/jobapps/add_jobapp"
ADD_NOTE = "/api/jobapps/add_jobapp_note"
JOBAPP = {"job_title": "Engineer", "company": "Acme"}


def seed_jobapps(db, user_id, count, deleted=False):
    db.execute(
        text(
            "INSERT INTO job_applications (user_id, job_title, company, status_id, apply_date, deleted_at) "
            "SELECT :u, 'Seeded ' || g, 'Acme', 1, now(), CASE WHEN :deleted THEN now() END "
            "FROM generate_series(1, :n) g"
        ),
        {"u": user_id, "n": count, "deleted": deleted},
    )
    db.commit()


def test_the_20001st_live_application_answers_17(api, other_api, db):
    seed_jobapps(db, api.user.id, quotas.LIVE_APPLICATIONS - 1)
    seed_jobapps(db, api.user.id, 5, deleted=True)
    created = assert_ok(api.post(ADD, JOBAPP))
    assert_error(api.post(ADD, JOBAPP), 17, 409)
    assert db.scalar(
        text("SELECT count(*) FROM job_applications WHERE user_id = :u"), {"u": api.user.id}
    ) == (quotas.LIVE_APPLICATIONS + 5)
    # Another user is not affected; deleting one makes room again.
    assert_ok(other_api.post(ADD, JOBAPP))
    assert_ok(api.post("/api/jobapps/delete_jobapp", {"jobapp_id": created["id"]}))
    assert_ok(api.post(ADD, JOBAPP))


def test_the_201st_note_of_an_application_answers_17(api, factories):
    full = factories.jobapp(api.user)
    other = factories.jobapp(api.user)
    factories.db.execute(
        text(
            "INSERT INTO notes (jobapp_id, description, created_at) "
            "SELECT :j, 'n', now() FROM generate_series(1, :n)"
        ),
        {"j": full.id, "n": quotas.NOTES_PER_APPLICATION - 1},
    )
    factories.db.commit()
    assert_ok(api.post(ADD_NOTE, {"jobapp_id": full.id, "description": "the 200th"}))
    assert_error(api.post(ADD_NOTE, {"jobapp_id": full.id, "description": "one too many"}), 17, 409)
    assert_ok(api.post(ADD_NOTE, {"jobapp_id": other.id, "description": "another application"}))
    note_id = assert_ok(api.get("/api/jobapps/get_jobapp_notes", {"jobapp_id": full.id}))[0]["id"]
    assert_ok(api.post("/api/jobapps/delete_jobapp_note", {"jobapp_note_id": note_id}))
    assert_ok(api.post(ADD_NOTE, {"jobapp_id": full.id, "description": "room again"}))


@pytest.mark.parametrize("room", [3])
def test_parallel_creations_at_the_limit_let_exactly_the_room_through(app, api, db, room):
    seed_jobapps(db, api.user.id, quotas.LIVE_APPLICATIONS - room)
    with serve(app, threads=8) as base_url, ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda _: requests.post(
                    f"{base_url}{ADD}", json=JOBAPP, headers=api.headers, timeout=60
                ).json(),
                range(12),
            )
        )
    codes = sorted(answer["error_code"] for answer in answers)
    assert codes == [0] * room + [17] * (12 - room)
    live = db.scalar(
        text("SELECT count(*) FROM job_applications WHERE user_id = :u AND deleted_at IS NULL"),
        {"u": api.user.id},
    )
    assert live == quotas.LIVE_APPLICATIONS


def test_ensure_room_is_a_plain_rule_any_domain_can_call(db, factories):
    """What reminders, webhooks or custom statuses will call: any per-owner SELECT, any limit."""
    from sqlalchemy import select

    from jobhax.envelope import ApiError, ErrorCode
    from jobhax.jobapps.models import Note

    jobapp = factories.jobapp(factories.user())
    rows = select(Note.id).where(Note.jobapp_id == jobapp.id)
    quotas.ensure_room(db, "test", jobapp.id, rows, limit=2)  # none yet
    factories.note(jobapp)
    quotas.ensure_room(db, "test", jobapp.id, rows, limit=2)  # one of two
    factories.note(jobapp)
    with pytest.raises(ApiError) as refused:
        quotas.ensure_room(db, "test", jobapp.id, rows, limit=2)
    assert refused.value.code == ErrorCode.QUOTA_EXCEEDED and refused.value.status == 409
    db.rollback()


def test_ensure_within_allows_reaching_the_limit_and_refuses_passing_it(db, factories):
    """The hot path's check, run after the transaction's own writes: the owner may reach the limit, never
    pass it."""
    from sqlalchemy import select

    from jobhax.envelope import ApiError, ErrorCode
    from jobhax.jobapps.models import JobApplication

    user = factories.user()
    rows = select(JobApplication.id).where(JobApplication.user_id == user.id)
    factories.jobapp(user)
    factories.jobapp(user)
    quotas.ensure_within(db, "test", user.id, rows, limit=2)
    db.rollback()
    factories.jobapp(user)
    with pytest.raises(ApiError) as refused:
        quotas.ensure_within(db, "test", user.id, rows, limit=2)
    assert refused.value.code == ErrorCode.QUOTA_EXCEEDED and refused.value.status == 409
    db.rollback()
