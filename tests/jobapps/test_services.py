"""The job application rules, called directly: scoping, soft delete, history and ordering."""

import datetime

import pytest
from sqlalchemy import func, select

from jobhax.envelope import ApiError, ErrorCode
from jobhax.jobapps import queries, services, statuses
from jobhax.jobapps.models import JobApplication, Note, StatusHistory

NOW = datetime.datetime(2020, 5, 17, 12, 30, 45, 123456, tzinfo=datetime.UTC)


def utc(*args):
    return datetime.datetime(*args, tzinfo=datetime.UTC)


def history_of(db, jobapp_id):
    return [
        (row.status_id, row.changed_at)
        for row in db.scalars(
            select(StatusHistory).where(StatusHistory.jobapp_id == jobapp_id).order_by(StatusHistory.id)
        )
    ]


@pytest.fixture
def user(factories):
    return factories.user()


@pytest.fixture
def stranger(factories):
    return factories.user()


def test_add_jobapp_defaults_and_initial_history_row(db, user):
    jobapp = services.add_jobapp(db, user.id, job_title="Engineer", company="ACME", now=NOW)
    db.commit()
    assert (jobapp.status_id, jobapp.apply_date, jobapp.source, jobapp.is_rejected, jobapp.deleted_at) == (
        1,
        NOW,
        "",
        False,
        None,
    )
    assert history_of(db, jobapp.id) == [(1, NOW)]


def test_add_jobapp_keeps_the_given_date_and_status(db, user):
    jobapp = services.add_jobapp(
        db,
        user.id,
        job_title="Engineer",
        company="ACME",
        status_id=4,
        application_date=utc(2019, 1, 31),
        source="Indeed",
        now=NOW,
    )
    db.commit()
    assert (jobapp.status_id, jobapp.apply_date, jobapp.source) == (4, utc(2019, 1, 31), "Indeed")
    assert history_of(db, jobapp.id) == [(4, NOW)]


def test_update_jobapp_appends_history_only_when_the_status_changes(db, user, factories):
    jobapp = factories.jobapp(user)
    later = NOW + datetime.timedelta(days=1)
    services.update_jobapp(db, jobapp, status_id=1, now=NOW)
    services.update_jobapp(db, jobapp, rejected=True, now=NOW)
    services.update_jobapp(db, jobapp, status_id=3, now=later)
    services.update_jobapp(db, jobapp, status_id=3, rejected=False, now=later)
    db.commit()
    assert [status for status, _ in history_of(db, jobapp.id)] == [1, 3]
    assert history_of(db, jobapp.id)[-1] == (3, later)
    assert (jobapp.status_id, jobapp.is_rejected) == (3, False)


def test_update_jobapp_without_rejected_keeps_it(db, user, factories):
    jobapp = factories.jobapp(user)
    services.update_jobapp(db, jobapp, rejected=True)
    services.update_jobapp(db, jobapp, status_id=2)
    db.commit()
    assert db.scalar(select(JobApplication.is_rejected).where(JobApplication.id == jobapp.id)) is True


def test_require_jobapp_treats_foreign_deleted_and_missing_alike(db, user, stranger, factories):
    own = factories.jobapp(user)
    foreign = factories.jobapp(stranger)
    deleted = factories.jobapp(user, deleted=True)
    assert services.require_jobapp(db, user.id, own.id).id == own.id
    for jobapp_id in (foreign.id, deleted.id, foreign.id + deleted.id + 1):
        with pytest.raises(ApiError) as raised:
            services.require_jobapp(db, user.id, jobapp_id)
        assert raised.value.code == ErrorCode.NOT_FOUND and raised.value.status == 404


def test_delete_jobapp_is_soft(db, user, factories):
    jobapp = factories.jobapp(user)
    factories.note(jobapp)
    services.delete_jobapp(db, jobapp, now=NOW)
    db.commit()
    assert db.scalar(select(JobApplication.deleted_at).where(JobApplication.id == jobapp.id)) == NOW
    assert db.scalar(select(func.count()).select_from(Note).where(Note.jobapp_id == jobapp.id)) == 1
    assert queries.list_jobapps(db, user.id) == []


def test_list_jobapps_is_scoped_ordered_and_filtered(db, user, stranger, factories):
    march = factories.jobapp(user, application_date=utc(2019, 3, 1), status_id=3)
    march_later = factories.jobapp(user, application_date=utc(2019, 3, 1))
    january = factories.jobapp(user, application_date=utc(2019, 1, 1), status_id=3)
    factories.jobapp(user, application_date=utc(2020, 1, 1), deleted=True)
    factories.jobapp(stranger, application_date=utc(2021, 1, 1))
    rows = queries.list_jobapps(db, user.id)
    assert [(jobapp.id, value) for jobapp, value, _ in rows] == [
        (march_later.id, "Applied"),
        (march.id, "Phone Screen"),
        (january.id, "Phone Screen"),
    ]
    assert [jobapp.id for jobapp, _, _ in queries.list_jobapps(db, user.id, status_id=3)] == [
        march.id,
        january.id,
    ]


def test_require_status_refuses_an_unknown_status(db, user):
    assert statuses.require_status(db, user.id, 5).value == "Offer"
    with pytest.raises(ApiError) as raised:
        statuses.require_status(db, user.id, 6)
    assert raised.value.code == ErrorCode.NOT_FOUND


def test_get_statuses_in_seed_order(db, user):
    assert [(s.id, s.value, s.position) for s in statuses.list_statuses(db, user.id)] == [
        (1, "Applied", 1),
        (2, "To Apply", 2),
        (3, "Phone Screen", 3),
        (4, "Onsite Interview", 4),
        (5, "Offer", 5),
    ]


def test_status_history_is_oldest_first(db, user, factories):
    jobapp = services.add_jobapp(db, user.id, job_title="Engineer", company="ACME", now=NOW)
    services.update_jobapp(db, jobapp, status_id=4, now=NOW - datetime.timedelta(days=1))
    services.update_jobapp(db, jobapp, status_id=5, now=NOW)
    db.commit()
    assert services.status_history(db, jobapp) == [
        (NOW - datetime.timedelta(days=1), 4, "Onsite Interview", "user", None),
        (NOW, 1, "Applied", "user", None),
        (NOW, 5, "Offer", "user", None),
    ]


def test_notes_are_oldest_first(db, user, factories):
    jobapp = factories.jobapp(user)
    second = factories.note(jobapp, created_at=NOW)
    first = factories.note(jobapp, created_at=NOW - datetime.timedelta(seconds=1))
    third = factories.note(jobapp, created_at=NOW)
    assert [note.id for note in services.list_notes(db, jobapp)] == [first.id, second.id, third.id]


def test_update_note_touches_only_the_callers_live_notes(db, user, stranger, factories):
    own = factories.note(factories.jobapp(user), "mine")
    foreign = factories.note(factories.jobapp(stranger), "theirs")
    orphaned = factories.note(factories.jobapp(user, deleted=True), "deleted")
    services.update_note(db, user.id, own.id, "edited", now=NOW)
    for note_id in (foreign.id, orphaned.id, orphaned.id + 100):
        with pytest.raises(ApiError) as raised:
            services.update_note(db, user.id, note_id, "hijacked", now=NOW)
        assert raised.value.code == ErrorCode.NOT_FOUND
    db.commit()
    rows = dict(db.execute(select(Note.id, Note.description)).all())
    assert rows == {own.id: "edited", foreign.id: "theirs", orphaned.id: "deleted"}
    assert db.scalar(select(Note.updated_at).where(Note.id == own.id)) == NOW


def test_delete_note_removes_only_the_callers_live_notes(db, user, stranger, factories):
    own = factories.note(factories.jobapp(user))
    foreign = factories.note(factories.jobapp(stranger))
    orphaned = factories.note(factories.jobapp(user, deleted=True))
    services.delete_note(db, user.id, own.id)
    for note_id in (foreign.id, orphaned.id, own.id):
        with pytest.raises(ApiError) as raised:
            services.delete_note(db, user.id, note_id)
        assert raised.value.code == ErrorCode.NOT_FOUND
    db.commit()
    assert set(db.scalars(select(Note.id))) == {foreign.id, orphaned.id}
