"""Quotas (code 17): live applications per user, notes per application; exact under concurrency."""

import time
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
            "INSERT INTO notes (user_id, jobapp_id, description, created_at) "
            "SELECT :u, :j, 'n', now() FROM generate_series(1, :n)"
        ),
        {"u": api.user.id, "j": full.id, "n": quotas.NOTES_PER_APPLICATION - 1},
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


def _quota_lock(connection, user_id, mode=""):
    connection.execute(
        text(f"SELECT pg_advisory_xact_lock{mode}(hashtextextended(:key, 0))"),
        {"key": f"quota:jobapps:{user_id}"},
    )


def test_far_from_the_limit_one_users_adds_do_not_wait_for_each_others_commit(app, api, engine):
    """An add still in flight (its rows written, its quota check passed, not committed) holds the quota
    lock shared: another add of the same user goes through meanwhile instead of queueing behind it."""
    with engine.connect() as in_flight, serve(app, threads=4) as base_url:
        in_flight.execute(
            text(
                "INSERT INTO job_applications (user_id, job_title, company, status_id, apply_date) "
                "VALUES (:u, 'In flight', 'Acme', 1, now())"
            ),
            {"u": api.user.id},
        )
        _quota_lock(in_flight, api.user.id, "_shared")
        answer = requests.post(f"{base_url}{ADD}", json=JOBAPP, headers=api.headers, timeout=10).json()
        assert answer["error_code"] == 0
        in_flight.rollback()


def test_an_add_that_meets_a_bulk_write_crossing_into_the_near_zone_is_run_again_and_counted_exactly(
    app, api, db, engine
):
    """Between an add's first count (far from the limit) and its shared lock, an import holding the lock
    exclusively commits enough rows to bring the user near the limit: the add is run again (pyramid_retry),
    takes its exclusive turn and, there being room, succeeds."""
    connections = db.scalar(text("SELECT current_setting('max_connections')::int"))
    seed_jobapps(db, api.user.id, quotas.LIVE_APPLICATIONS - connections - 10)
    with engine.connect() as importer, serve(app, threads=4) as base_url, ThreadPoolExecutor(1) as pool:
        _quota_lock(importer, api.user.id)
        importer.execute(
            text(
                "INSERT INTO job_applications (user_id, job_title, company, status_id, apply_date) "
                "SELECT :u, 'Imported ' || g, 'Acme', 1, now() FROM generate_series(1, 50) g"
            ),
            {"u": api.user.id},
        )
        adding = pool.submit(
            lambda: requests.post(f"{base_url}{ADD}", json=JOBAPP, headers=api.headers, timeout=30).json()
        )
        time.sleep(1)  # the add has counted and waits for its shared lock
        assert not adding.done()
        importer.commit()
        assert adding.result()["error_code"] == 0
    live = db.scalar(
        text("SELECT count(*) FROM job_applications WHERE user_id = :u AND deleted_at IS NULL"),
        {"u": api.user.id},
    )
    assert live == quotas.LIVE_APPLICATIONS - connections - 10 + 50 + 1
