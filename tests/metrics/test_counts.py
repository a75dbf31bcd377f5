"""The metric counters of schema metrics: always equal to the reporting views, whatever the writes."""

import datetime

import pytest
from sqlalchemy import text

from jobhax.metrics.refresh import refresh_reports
from tests.metrics.answers import assert_answers_agree

# Each counter table beside the reporting view it must agree with, as (key columns, view).
COUNTERS = {
    "monthly_source_counts": ("user_id, month, source_bucket", "reporting.monthly_source_counts"),
    "status_counts": ("user_id, status_id", "reporting.status_counts"),
    "title_status_counts": ("user_id, job_title, status_id", "reporting.title_status_counts"),
    "company_counts": ("user_id, company", "reporting.company_counts"),
}


def counted(connection):
    """Per counter: (what the counters sum to, what the view says), each as a set of (key..., count)."""
    found = {}
    for name, (keys, view) in COUNTERS.items():
        summed = connection.execute(
            text(
                f"SELECT {keys}, sum(count)::bigint FROM metrics.{name} GROUP BY {keys} HAVING sum(count) <> 0"
            )
        )
        viewed = connection.execute(text(f"SELECT {keys}, count FROM {view}"))
        found[name] = ({tuple(row) for row in summed}, {tuple(row) for row in viewed})
    return found


def assert_agree(engine):
    """Counters and the answers stored from them (tests/metrics/answers.py) agree with the views."""
    with engine.connect() as connection:
        for name, (summed, viewed) in counted(connection).items():
            assert summed == viewed, name
    assert_answers_agree(engine)


def partial_rows(engine):
    with engine.connect() as connection:
        return {name: connection.scalar(text(f"SELECT count(*) FROM metrics.{name}")) for name in COUNTERS}


@pytest.fixture
def users(factories):
    return [factories.user() for _ in range(3)]


def bulk_insert(engine, user_ids, per_user):
    """One INSERT statement for many rows: the statement trigger sees them all at once."""
    with engine.begin() as connection:
        connection.execute(
            text("""
            INSERT INTO job_applications (user_id, job_title, company, source, status_id, apply_date, deleted_at)
            SELECT u, 'Title ' || (g % 7), 'Company ' || (g % 11),
                   (ARRAY['LinkedIn', ' indeed ', 'Hired.com', 'Vettery', 'Glassdoor', ''])[1 + g % 6],
                   CASE WHEN g % 9 = 0 THEN NULL ELSE 1 + g % 5 END,
                   timestamptz '2019-12-31 23:30:00-02' - (g % 400) * interval '1 day',
                   CASE WHEN g % 13 = 0 THEN now() END
            FROM unnest(CAST(:users AS integer[])) u CROSS JOIN generate_series(1, :n) g"""),
            {"users": user_ids, "n": per_user},
        )


def test_counters_follow_every_kind_of_write(api, factories, db, engine, users):
    ids = [user.id for user in users]
    bulk_insert(engine, ids, 120)
    assert_agree(engine)
    jobapp = factories.jobapp(
        api.user,
        job_title="Engineer",
        company="ACME",
        source="LinkedIn",
        application_date=datetime.datetime(2019, 5, 1, tzinfo=datetime.UTC),
    )
    assert_agree(engine)
    assert api.post("/api/jobapps/update_jobapp", {"jobapp_id": jobapp.id, "status_id": 4}).status_int == 200
    assert (
        api.post("/api/jobapps/update_jobapp", {"jobapp_id": jobapp.id, "rejected": True}).status_int == 200
    )
    assert_agree(engine)
    with engine.begin() as connection:
        # Every column a counter depends on changes at once, for many rows, in one statement.
        connection.execute(
            text("""
            UPDATE job_applications SET status_id = CASE WHEN status_id IS NULL THEN 2 WHEN id % 4 = 0 THEN NULL
                                                         ELSE status_id END,
                   company = company || ' Ltd', job_title = upper(job_title), source = 'Indeed',
                   apply_date = apply_date + interval '20 days'
            WHERE user_id = :u AND id % 3 = 0"""),
            {"u": ids[0]},
        )
        connection.execute(
            text("UPDATE job_applications SET deleted_at = now() WHERE user_id = :u AND id % 5 = 0"),
            {"u": ids[1]},
        )
        connection.execute(
            text("UPDATE job_applications SET deleted_at = NULL WHERE user_id = :u AND id % 2 = 0"),
            {"u": ids[1]},
        )
        connection.execute(
            text("DELETE FROM job_applications WHERE user_id = :u AND id % 7 = 0"), {"u": ids[2]}
        )
    assert_agree(engine)
    assert api.post("/api/jobapps/delete_jobapp", {"jobapp_id": jobapp.id}).status_int == 200
    with engine.begin() as connection:
        connection.execute(
            text("DELETE FROM users WHERE id = :u"), {"u": ids[2]}
        )  # Cascades to its applications.
    assert_agree(engine)


def test_compaction_folds_partial_rows_and_keeps_the_sums(engine, users):
    ids = [user.id for user in users]
    for _ in range(3):
        bulk_insert(engine, ids, 50)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE job_applications SET status_id = 3 WHERE user_id = :u"), {"u": ids[0]}
        )
        connection.execute(text("DELETE FROM job_applications WHERE user_id = :u"), {"u": ids[1]})
    before = partial_rows(engine)
    with engine.connect() as connection:
        sums = {name: summed for name, (summed, _) in counted(connection).items()}
    with engine.begin() as connection:
        refresh_reports(connection)
    after = partial_rows(engine)
    assert all(after[name] < before[name] for name in COUNTERS), (before, after)
    with engine.connect() as connection:
        for name, (summed, viewed) in counted(connection).items():
            assert summed == viewed == sums[name], name
            # One row per key, and none for keys that sum to zero.
            keys = COUNTERS[name][0]
            assert (
                connection.scalar(
                    text(
                        f"SELECT count(*) FROM (SELECT {keys} FROM metrics.{name} GROUP BY {keys} "
                        f"HAVING count(*) > 1 OR sum(count) = 0) k"
                    )
                )
                == 0
            )


def test_concurrent_writes_of_one_user_never_wait_for_each_other(engine, users):
    """Writers only insert partial counts: the same user's keys are never locked by another transaction."""
    first, second = engine.connect(), engine.connect()
    try:
        statement = text(
            "INSERT INTO job_applications (user_id, job_title, company, source, status_id, "
            "apply_date) VALUES (:u, 'Engineer', 'ACME', 'LinkedIn', 1, now())"
        )
        first.execute(statement, {"u": users[0].id})
        second.execute(text("SET LOCAL lock_timeout = '1s'"))
        second.execute(statement, {"u": users[0].id})
        second.execute(text("SELECT metrics.compact_counts()"))
        second.commit()
        first.commit()
    finally:
        first.close()
        second.close()
    assert_agree(engine)
    with engine.connect() as connection:
        assert (
            connection.scalar(
                text("SELECT sum(count) FROM metrics.status_counts WHERE user_id = :u"), {"u": users[0].id}
            )
            == 2
        )


def test_truncating_applications_empties_the_counters(engine, users):
    bulk_insert(engine, [user.id for user in users], 10)
    with engine.begin() as connection:
        connection.execute(text("TRUNCATE job_applications CASCADE"))
    assert partial_rows(engine) == dict.fromkeys(COUNTERS, 0)
