import collections
import datetime
import json
import math
import subprocess
import sys

from sqlalchemy import text

from jobhax.demo import DEMO_PASSWORD, seed_demo
from tests.api_client import assert_ok

NOW = datetime.datetime(2026, 3, 15, 12, 0, tzinfo=datetime.UTC)
USERS = 3
APPS = 600


def seed(engine, **kw):
    with engine.begin() as connection:
        return seed_demo(
            connection,
            kw.pop("users", USERS),
            kw.pop("apps_per_user", APPS),
            kw.pop("seed", 7),
            now=NOW,
            **kw,
        )


def rows(db, sql, **params):
    return db.execute(text(sql), params).all()


def test_shares_follow_the_documented_mix(engine, db):
    seeded = seed(engine)
    total = USERS * APPS
    assert [user["applications"] for user in seeded] == [APPS] * USERS
    sources = dict(rows(db, "SELECT source, count(*) FROM job_applications GROUP BY source"))
    for source, share in {"LinkedIn": 0.35, "Indeed": 0.20, "Hired.com": 0.15, "Vettery": 0.10}.items():
        assert abs(sources[source] / total - share) < 0.04, (source, sources[source])
    others = total - sum(sources[s] for s in ("LinkedIn", "Indeed", "Hired.com", "Vettery"))
    assert abs(others / total - 0.20) < 0.04
    statuses = dict(rows(db, "SELECT status_id, count(*) FROM job_applications GROUP BY status_id"))
    for status_id, share in {1: 0.50, 2: 0.20, 3: 0.15, 4: 0.10, 5: 0.05}.items():
        assert abs(statuses[status_id] / total - share) < 0.04, (status_id, statuses[status_id])
    rejected, deleted = rows(
        db, "SELECT avg(is_rejected::int), avg((deleted_at IS NOT NULL)::int) FROM job_applications"
    )[0]
    assert abs(float(rejected) - 0.10) < 0.03
    assert abs(float(deleted) - 0.05) < 0.025


def test_each_user_has_few_titles_more_companies_and_dates_over_14_months(engine, db):
    seeded = seed(engine)
    for user in seeded:
        titles, companies, oldest, newest = rows(
            db,
            "SELECT count(DISTINCT job_title), count(DISTINCT company), min(apply_date), max(apply_date) "
            "FROM job_applications WHERE user_id = :user_id",
            user_id=user["id"],
        )[0]
        assert titles == math.ceil(APPS * 0.15)
        assert companies == math.ceil(APPS * 0.30)
        assert NOW - datetime.timedelta(days=427) < oldest < NOW - datetime.timedelta(days=380)
        assert NOW - datetime.timedelta(days=30) < newest <= NOW


def test_one_history_row_per_application_and_zero_to_three_notes(engine, db):
    seed(engine)
    mismatched = rows(
        db,
        "SELECT count(*) FROM job_applications j JOIN status_history h ON h.jobapp_id = j.id "
        "WHERE h.status_id <> j.status_id OR h.changed_at <> j.apply_date",
    )[0][0]
    assert mismatched == 0
    assert rows(db, "SELECT count(*) FROM status_history")[0][0] == USERS * APPS
    notes_per_app = collections.Counter(
        dict(
            rows(
                db,
                "SELECT j.id, count(n.id) FROM job_applications j LEFT JOIN notes n ON n.jobapp_id = j.id "
                "GROUP BY j.id",
            )
        ).values()
    )
    assert set(notes_per_app) == {0, 1, 2, 3}
    assert all(count > USERS * APPS * 0.15 for count in notes_per_app.values())


def test_same_seed_same_rows(engine, db):
    first = seed(engine, users=1, apps_per_user=50)[0]["id"]
    second = seed(engine, users=1, apps_per_user=50)[0]["id"]
    sql = (
        "SELECT job_title, company, source, status_id, is_rejected, apply_date, deleted_at "
        "FROM job_applications WHERE user_id = :user_id ORDER BY id"
    )
    assert rows(db, sql, user_id=first) == rows(db, sql, user_id=second)


def test_size_mix_varies_counts_around_the_mean(engine, db):
    seeded = seed(engine, users=40, apps_per_user=50, size_mix=True)
    sizes = [user["applications"] for user in seeded]
    assert len(set(sizes)) > 10 and min(sizes) >= 1
    assert 25 < sum(sizes) / len(sizes) < 80
    stored = dict(rows(db, "SELECT user_id, count(*) FROM job_applications GROUP BY user_id"))
    assert stored == {user["id"]: user["applications"] for user in seeded}


def test_seeded_user_logs_in_and_reads_their_live_applications(engine, db, testapp, oauth_client):
    user = seed(engine, users=2, apps_per_user=120)[0]
    tokens = assert_ok(
        testapp.post_json(
            "/api/users/login",
            {
                "client_id": oauth_client["client_id"],
                "client_secret": oauth_client["client_secret"],
                "username": user["username"],
                "password": DEMO_PASSWORD,
            },
        )
    )
    response = testapp.get(
        "/api/jobapps/get_jobapps", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    jobapps = assert_ok(response)
    live = rows(
        db,
        "SELECT count(*) FROM job_applications WHERE user_id = :user_id AND deleted_at IS NULL",
        user_id=user["id"],
    )[0][0]
    assert len(jobapps) == live and 100 < live < 120
    assert {jobapp["user"] for jobapp in jobapps} == {user["id"]}
    first = jobapps[0]
    history = assert_ok(
        testapp.get(
            "/api/jobapps/get_status_history",
            {"jobapp_id": first["id"]},
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
    )
    assert [row["applicationStatus"] for row in history] == [first["applicationStatus"]]


def test_seed_demo_command(settings, db):
    env = {
        "JOBHAX_DATABASE_URL": settings["sqlalchemy.url"],
        "JOBHAX_SECRET_KEY": settings["jobhax.secret_key"],
        "JOBHAX_VAR_DIR": settings["jobhax.var_dir"],
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "jobhax.cli",
            "--ini",
            "development.ini",
            "seed-demo",
            "--users",
            "2",
            "--apps-per-user",
            "30",
            "--seed",
            "3",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["users"] == 2 and summary["applications"] == 60
    assert rows(db, "SELECT count(*) FROM job_applications")[0][0] == 60
