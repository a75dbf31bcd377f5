"""Stored answers (metrics.answer_cache): served while valid, forgotten by every write that changes them, and
never stored stale, whatever runs beside the reader (jobhax/sql/0010_answer_cache.sql)."""

import threading
import time

import pytest
from sqlalchemy import text

from jobhax.metrics.queries import JOBTITLE_AND_STATUSES, WORD_COUNT
from tests.api_client import assert_ok
from tests.factories import PASSWORD
from tests.metrics.answers import answers_from_views, read_answers, stored_names

BASE = "/api/jobapps"
WORDS = "/api/metrics/get_word_count"
MATRIX = "/api/metrics/get_count_by_jobtitle_and_statuses"
BOTH = {WORD_COUNT.name, JOBTITLE_AND_STATUSES.name}


def add(api, title="Engineer", company="ACME", **fields):
    return assert_ok(api.post(f"{BASE}/add_jobapp", {"job_title": title, "company": company, **fields}))


def answers(api):
    """Both answers through the endpoints, keyed like answers_from_views."""
    return {
        WORD_COUNT.name: assert_ok(api.get(WORDS)),
        JOBTITLE_AND_STATUSES.name: assert_ok(api.get(MATRIX)),
    }


def from_views(engine, user_id):
    with engine.connect() as connection:
        return answers_from_views(connection, user_id)


def test_an_answer_is_stored_then_served_from_the_store(api, engine):
    add(api)
    assert stored_names(engine, api.user.id) == set()
    first = answers(api)
    assert stored_names(engine, api.user.id) == BOTH
    assert answers(api) == first
    # What is served on a hit is the stored row itself, not a new build.
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE metrics.answer_cache SET body = '[\"stored\"]' WHERE user_id = :u AND name = :n"),
            {"u": api.user.id, "n": WORD_COUNT.name},
        )
    assert assert_ok(api.get(WORDS)) == ["stored"]


def test_answers_stored_by_another_version_of_the_sql_are_never_served(api, engine):
    add(api)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO metrics.answer_cache (user_id, name, body) VALUES (:u, 'word_count:old', '[]')"
            ),
            {"u": api.user.id},
        )
    assert assert_ok(api.get(WORDS)) == [{"word": "ACME", "value": 1}]


def _add(api, apps):
    add(api, "Designer", "Globex")


def _status(api, apps):
    assert_ok(api.post(f"{BASE}/update_jobapp", {"jobapp_id": apps[0]["id"], "status_id": 3}))


def _title(api, apps):
    assert_ok(api.post(f"{BASE}/update_jobapp", {"jobapp_id": apps[0]["id"], "job_title": "Architect"}))


def _company(api, apps):
    assert_ok(api.post(f"{BASE}/update_jobapp", {"jobapp_id": apps[0]["id"], "company": "Initech"}))


def _delete(api, apps):
    assert_ok(api.post(f"{BASE}/delete_jobapp", {"jobapp_id": apps[0]["id"]}))


def _merge(api, apps):
    assert_ok(api.post(f"{BASE}/merge_jobapps", {"keep_id": apps[0]["id"], "merge_ids": [apps[1]["id"]]}))


def _import_csv(api, apps):
    body = b"job_title,company,status\nPilot,Umbrella,Phone Screen\nCook,Umbrella,Waitlisted\n"
    response = api.testapp.post(
        f"{BASE}/import_csv", body, headers=dict(api.headers, **{"Content-Type": "text/csv"})
    )
    assert assert_ok(response)["created"] == 2


def _add_status(api, apps):
    assert_ok(api.post(f"{BASE}/add_status", {"value": "Ghosted"}))


def _rename_status(api, apps):
    assert_ok(
        api.post(f"{BASE}/update_status", {"status_id": apps[2]["applicationStatus"]["id"], "value": "Gone"})
    )


def _move_status(api, apps):
    assert_ok(
        api.post(f"{BASE}/update_status", {"status_id": apps[2]["applicationStatus"]["id"], "position": 1})
    )


def _delete_status(api, apps):
    custom = apps[2]["applicationStatus"]["id"]
    assert_ok(api.post(f"{BASE}/delete_status", {"status_id": custom, "replace_with": 4}))


WRITES = [
    _add,
    _status,
    _title,
    _company,
    _delete,
    _merge,
    _import_csv,
    _add_status,
    _rename_status,
    _move_status,
    _delete_status,
]


@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.__name__.lstrip("_"))
def test_every_kind_of_write_forgets_its_users_answers_at_once(api, other_api, engine, write):
    """Read before (stored), write, read after: the answers are the views', and the other user's stay
    stored."""
    custom = assert_ok(api.post(f"{BASE}/add_status", {"value": "Take-home"}))
    apps = [
        add(api),
        add(api, "Engineer", "ACME", source="LinkedIn"),
        add(api, "Tester", status_id=custom["id"]),
    ]
    add(other_api)
    before = answers(api)
    assert before == from_views(engine, api.user.id)
    answers(other_api)
    assert stored_names(engine, api.user.id) == stored_names(engine, other_api.user.id) == BOTH

    write(api, apps)

    assert stored_names(engine, api.user.id) == set()
    after = answers(api)
    assert after == from_views(engine, api.user.id)
    assert stored_names(engine, other_api.user.id) == BOTH


def test_erasing_an_account_forgets_its_answers(api, engine):
    answers(api)  # a user without applications stores empty answers too
    assert stored_names(engine, api.user.id) == BOTH
    assert_ok(api.post("/api/users/delete_account", {"password": PASSWORD}))
    assert stored_names(engine, api.user.id) == set()


def test_an_answer_for_a_user_already_erased_is_not_stored(engine):
    assert read_answers(engine, 987654)[WORD_COUNT.name] == []
    assert stored_names(engine, 987654) == set()


def test_a_change_to_the_shared_statuses_forgets_everyones_answers(api, other_api, engine):
    add(api)
    add(other_api)
    answers(api)
    answers(other_api)
    with engine.begin() as connection:
        connection.execute(text("UPDATE application_statuses SET value = 'Sent' WHERE id = 1"))
    try:
        assert stored_names(engine, api.user.id) == stored_names(engine, other_api.user.id) == set()
        assert assert_ok(api.get(MATRIX))["statuses"][0] == "Sent"
    finally:
        with engine.begin() as connection:
            connection.execute(text("UPDATE application_statuses SET value = 'Applied' WHERE id = 1"))


def insert_users(connection, count):
    return connection.scalars(
        text("INSERT INTO users (username) SELECT 'bulk' || g FROM generate_series(1, :n) g RETURNING id"),
        {"n": count},
    ).all()


def test_a_write_over_many_users_forgets_theirs_and_keeps_the_others(api, engine):
    """Beyond metrics.answer_lock_users_max() users one statement takes the one exclusive lock."""
    add(api)
    with engine.begin() as connection:
        limit = connection.scalar(text("SELECT metrics.answer_lock_users_max()"))
        bulk = insert_users(connection, limit + 8)
        connection.execute(
            text(
                "INSERT INTO job_applications (user_id, job_title, company, source, status_id, apply_date) "
                "SELECT u, 'Title', 'Company', '', 1, now() FROM unnest(CAST(:ids AS integer[])) u"
            ),
            {"ids": bulk},
        )
    for user_id in [*bulk, api.user.id]:
        read_answers(engine, user_id)
    with engine.connect() as writer, engine.connect() as reader:
        writer.execute(
            text(
                "UPDATE job_applications SET company = 'Renamed' WHERE user_id = ANY(CAST(:ids AS integer[]))"
            ),
            {"ids": bulk},
        )
        # While it is open, nobody may store, not even a user it does not touch.
        assert reader.scalar(text("SELECT metrics.may_store_answer(:u)"), {"u": api.user.id}) is False
        reader.rollback()
        writer.commit()
    assert all(stored_names(engine, user_id) == set() for user_id in bulk)
    assert stored_names(engine, api.user.id) == BOTH
    assert read_answers(engine, bulk[0])[WORD_COUNT.name] == [{"word": "Renamed", "value": 1}]


def test_only_a_read_committed_transaction_may_store(api, engine):
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT metrics.may_store_answer(:u)"), {"u": api.user.id}) is True
        connection.rollback()
    for level in ("REPEATABLE READ", "SERIALIZABLE"):
        with engine.connect().execution_options(isolation_level=level) as connection:
            assert connection.scalar(text("SELECT metrics.may_store_answer(:u)"), {"u": api.user.id}) is False
            connection.rollback()


# The race: a reader builds from a snapshot that misses a write committed before it stores.


def test_a_reader_beside_an_open_write_answers_without_storing(api, engine):
    """The writer's delete has run (nothing to delete) and it has not committed: a reader that stored now
    would keep the answer without the write after the writer commits."""
    add(api, "Before", "Before Inc")
    with engine.connect() as writer:
        writer.execute(
            text(
                "INSERT INTO job_applications (user_id, job_title, company, source, status_id, apply_date) "
                "VALUES (:u, 'During', 'During Inc', '', 1, now())"
            ),
            {"u": api.user.id},
        )
        assert assert_ok(api.get(WORDS)) == [{"word": "Before Inc", "value": 1}]
        assert assert_ok(api.get(MATRIX))["jobs"] == ["Before"]
        assert stored_names(engine, api.user.id) == set()
        writer.commit()
    assert assert_ok(api.get(WORDS)) == [
        {"word": "Before Inc", "value": 1},
        {"word": "During Inc", "value": 1},
    ]
    assert sorted(assert_ok(api.get(MATRIX))["jobs"]) == ["Before", "During"]
    assert stored_names(engine, api.user.id) == BOTH


def waiting_for_an_advisory_lock(engine):
    with engine.connect() as connection:
        return connection.scalar(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        )


def test_a_write_waits_for_a_storing_reader_then_forgets_what_it_stored(api, engine):
    """The reader stores (not committed yet); a writer of the same user waits for it, then its delete, a
    statement that starts after the wait, removes the stored answer."""
    add(api, "Before", "Before Inc")
    params = {"user_id": api.user.id, "name": WORD_COUNT.name}
    written = threading.Event()

    def write():
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO job_applications (user_id, job_title, company, source, status_id, apply_date) "
                    "VALUES (:u, 'During', 'During Inc', '', 1, now())"
                ),
                {"u": api.user.id},
            )
        written.set()

    with engine.connect() as reader:
        body, may_store = reader.execute(WORD_COUNT.lookup_statement(api.user.id)).one()
        assert body is None and may_store is True
        assert '"Before Inc"' in reader.scalar(WORD_COUNT.build_and_store, params)
        writer = threading.Thread(target=write)
        writer.start()
        deadline = time.monotonic() + 10
        while not waiting_for_an_advisory_lock(engine) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert waiting_for_an_advisory_lock(engine) == 1 and not written.is_set()
        reader.commit()
    writer.join(10)
    assert written.is_set()
    assert stored_names(engine, api.user.id) == set()
    assert assert_ok(api.get(WORDS)) == [
        {"word": "Before Inc", "value": 1},
        {"word": "During Inc", "value": 1},
    ]


def test_writers_of_one_user_never_wait_for_each_other(api, engine):
    """Shared locks: two open writes of the same user, neither waiting."""
    insert = text(
        "INSERT INTO job_applications (user_id, job_title, company, source, status_id, apply_date) "
        "VALUES (:u, 'Engineer', 'ACME', '', 1, now())"
    )
    with engine.connect() as first, engine.connect() as second:
        first.execute(insert, {"u": api.user.id})
        second.execute(text("SET LOCAL lock_timeout = '1s'"))
        second.execute(insert, {"u": api.user.id})
        second.commit()
        first.commit()
    assert assert_ok(api.get(WORDS)) == [{"word": "ACME", "value": 2}]
