"""The six /api/metrics/* endpoints against the contract, on a dataset spanning 14 months and a year end."""

import datetime

import pytest
import time_machine
from sqlalchemy import update

from jobhax.jobapps.models import JobApplication
from jobhax.metrics.refresh import refresh_reports
from jobhax.metrics.views import ENDPOINTS
from tests.api_client import assert_error, assert_ok

UTC = datetime.UTC
# The window is February 2019 .. January 2020: it crosses a year end.
NOW = datetime.datetime(2020, 1, 15, 12, 0, tzinfo=UTC)
PLUS_TWO = datetime.timezone(datetime.timedelta(hours=2))

STATUSES = ["Applied", "To Apply", "Phone Screen", "Onsite Interview", "Offer"]
APPLIED, PHONE, ONSITE, OFFER = 1, 3, 4, 5
WINDOW_MONTHS = [
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "January",
]

# (job_title, company, source, applied at, status_id); status None: an application without status.
DATASET = [
    ("Android Developer", "Amazon", "LinkedIn", datetime.datetime(2019, 3, 10, 9, tzinfo=UTC), APPLIED),
    ("Android Developer", "Amazon ", "LinkedIn", datetime.datetime(2019, 3, 20, 9, tzinfo=UTC), PHONE),
    (
        "android developer",
        "Zeta",
        "linkedin ",
        datetime.datetime(2019, 12, 31, 23, 59, 59, tzinfo=UTC),
        APPLIED,
    ),
    ("🤖 Lead Android Engineer", "ERG, Inc.", "Hired.com", datetime.datetime(2019, 2, 1, tzinfo=UTC), ONSITE),
    ("Android  Developer", "Ünïcode GmbH", "Indeed", datetime.datetime(2020, 1, 15, 11, tzinfo=UTC), APPLIED),
    ("Ängineer", "zeta", "Vettery", datetime.datetime(2019, 7, 4, 12, tzinfo=UTC), OFFER),
    ("Android Developer", "Amazon", "", datetime.datetime(2019, 5, 5, 12, tzinfo=UTC), APPLIED),
    ("Software Engineer", "Amazon", "Glassdoor", datetime.datetime(2019, 5, 6, 12, tzinfo=UTC), APPLIED),
    (
        "Software Engineer",
        "Carvana",
        "LinkedIn Premium",
        datetime.datetime(2019, 5, 7, 12, tzinfo=UTC),
        APPLIED,
    ),
    # Outside the window: the instant before it, the 14th month back, a UTC+2 time that is still January
    # in UTC, and next month.
    (
        "Software Engineer",
        "Carvana",
        "LinkedIn",
        datetime.datetime(2019, 1, 31, 23, 59, 59, tzinfo=UTC),
        APPLIED,
    ),
    ("Mobile Developer", "Carvana", "Indeed", datetime.datetime(2018, 12, 15, 12, tzinfo=UTC), PHONE),
    (
        "Mobile Developer",
        "KgTiger",
        "Vettery",
        datetime.datetime(2019, 2, 1, 1, 30, tzinfo=PLUS_TWO),
        APPLIED,
    ),
    ("Android Developer", "Amazon", "Hired.com", datetime.datetime(2020, 2, 1, tzinfo=UTC), APPLIED),
    ("No Status Title", "BrainyPro", "Indeed", datetime.datetime(2019, 8, 8, 12, tzinfo=UTC), None),
]
DELETED = ("Android Developer", "Deleted Co", "LinkedIn", datetime.datetime(2019, 6, 1, tzinfo=UTC), APPLIED)

EXPECTED_SERIES = [
    {"source": "Hired.com", "data": [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]},
    {"source": "LinkedIn", "data": [0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]},
    {"source": "Indeed", "data": [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]},
    {"source": "Vettery", "data": [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]},
    {"source": "Others", "data": [0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0]},
]
EXPECTED_TOTAL = {"source": "Total", "data": [1, 2, 0, 3, 0, 1, 1, 0, 0, 0, 1, 1]}
EXPECTED_STATUSES = [
    {"name": "Applied", "value": 9},
    {"name": "Phone Screen", "value": 2},
    {"name": "Onsite Interview", "value": 1},
    {"name": "Offer", "value": 1},
]
EXPECTED_WORDS = [
    {"word": "Amazon", "value": 4},
    {"word": "Carvana", "value": 3},
    {"word": "Amazon ", "value": 1},
    {"word": "BrainyPro", "value": 1},
    {"word": "ERG, Inc.", "value": 1},
    {"word": "KgTiger", "value": 1},
    {"word": "Zeta", "value": 1},
    {"word": "zeta", "value": 1},
    {"word": "Ünïcode GmbH", "value": 1},
]
EXPECTED_JOBS = {
    "jobs": [
        "Android Developer",
        "Software Engineer",
        "Mobile Developer",
        "Android  Developer",
        "android developer",
        "Ängineer",
        "🤖 Lead Android Engineer",
    ],
    "statuses": STATUSES,
    "data": [
        {"name": "Applied", "data": [3, 3, 1, 1, 1, 0, 0]},
        {"name": "To Apply", "data": [0, 0, 0, 0, 0, 0, 0]},
        {"name": "Phone Screen", "data": [1, 0, 1, 0, 0, 0, 0]},
        {"name": "Onsite Interview", "data": [0, 0, 0, 0, 0, 0, 1]},
        {"name": "Offer", "data": [0, 0, 0, 0, 0, 1, 0]},
    ],
}


# Answers stored per user between the user's writes (jobhax/metrics/answer_cache.py).
STORED = {"get_word_count", "get_count_by_jobtitle_and_statuses"}


def url(name):
    return f"/api/metrics/{name}"


def add_jobapps(factories, db, user, rows, deleted=False):
    for title, company, source, applied_at, status_id in rows:
        jobapp = factories.jobapp(
            user,
            job_title=title,
            company=company,
            source=source,
            application_date=applied_at,
            status_id=status_id or APPLIED,
            deleted=deleted,
        )
        if status_id is None:
            db.execute(update(JobApplication).where(JobApplication.id == jobapp.id).values(status_id=None))
            db.commit()


@pytest.fixture
def dataset(api, other_api, factories, db):
    add_jobapps(factories, db, api.user, DATASET)
    add_jobapps(factories, db, api.user, [DELETED], deleted=True)
    # Another user's applications, in the same months, sources, titles and companies: never counted.
    add_jobapps(factories, db, other_api.user, DATASET[:6])
    return api


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_total_application_count(dataset):
    assert assert_ok(dataset.get(url("get_total_application_count"))) == {"count": len(DATASET)}


def test_application_count_by_month(dataset, frozen):
    assert assert_ok(dataset.get(url("get_application_count_by_month"))) == [EXPECTED_SERIES, WINDOW_MONTHS]


def test_application_count_by_month_with_total(dataset, frozen):
    data = assert_ok(dataset.get(url("get_application_count_by_month_with_total")))
    assert data == [[*EXPECTED_SERIES, EXPECTED_TOTAL], WINDOW_MONTHS]


def test_month_window_follows_the_clock_in_utc(dataset):
    # 2019-12-31 23:30 in UTC-5 is already January 2020 in UTC: the window ends with January.
    with time_machine.travel(
        datetime.datetime(2019, 12, 31, 23, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))),
        tick=False,
    ):
        data = assert_ok(dataset.get(url("get_application_count_by_month")))
    assert data[1] == WINDOW_MONTHS
    with time_machine.travel(datetime.datetime(2019, 12, 31, 12, tzinfo=UTC), tick=False):
        series, months = assert_ok(dataset.get(url("get_application_count_by_month_with_total")))
    assert months == ["January", *WINDOW_MONTHS[:-1]]
    # January 2019 now counts (the instant before the other window and the UTC+2 one); January 2020 does not.
    assert series[-1]["data"] == [2, 1, 2, 0, 3, 0, 1, 1, 0, 0, 0, 1]


def test_count_by_statuses(dataset):
    assert assert_ok(dataset.get(url("get_count_by_statuses"))) == EXPECTED_STATUSES


def test_word_count(dataset):
    assert assert_ok(dataset.get(url("get_word_count"))) == EXPECTED_WORDS


def test_count_by_jobtitle_and_statuses(dataset):
    assert assert_ok(dataset.get(url("get_count_by_jobtitle_and_statuses"))) == EXPECTED_JOBS


def test_other_user_sees_only_their_own(dataset, other_api):
    assert assert_ok(other_api.get(url("get_total_application_count"))) == {"count": 6}
    assert assert_ok(other_api.get(url("get_count_by_statuses"))) == [
        {"name": "Applied", "value": 3},
        {"name": "Phone Screen", "value": 1},
        {"name": "Onsite Interview", "value": 1},
        {"name": "Offer", "value": 1},
    ]


def test_a_user_without_applications_gets_zeros(api, frozen):
    assert assert_ok(api.get(url("get_total_application_count"))) == {"count": 0}
    zeros = [
        {"source": s, "data": [0] * 12} for s in ("Hired.com", "LinkedIn", "Indeed", "Vettery", "Others")
    ]
    assert assert_ok(api.get(url("get_application_count_by_month"))) == [zeros, WINDOW_MONTHS]
    total = {"source": "Total", "data": [0] * 12}
    assert assert_ok(api.get(url("get_application_count_by_month_with_total"))) == [
        [*zeros, total],
        WINDOW_MONTHS,
    ]
    assert assert_ok(api.get(url("get_count_by_statuses"))) == []
    assert assert_ok(api.get(url("get_word_count"))) == []
    assert assert_ok(api.get(url("get_count_by_jobtitle_and_statuses"))) == {
        "jobs": [],
        "statuses": STATUSES,
        "data": [{"name": s, "data": []} for s in STATUSES],
    }


def test_every_committed_write_shows_at_once(api, engine):
    """Read-your-writes: the endpoints read the plain views, never a stale materialized copy, and a stored
    answer (word count, title matrix) read before a write is never served after it."""
    with engine.begin() as connection:
        refresh_reports(connection)
    assert assert_ok(api.get(url("get_word_count"))) == []
    assert assert_ok(api.get(url("get_count_by_jobtitle_and_statuses")))["jobs"] == []
    created = assert_ok(
        api.post("/api/jobapps/add_jobapp", {"job_title": "Fresh", "company": "Now Inc", "source": "Vettery"})
    )
    assert assert_ok(api.get(url("get_total_application_count"))) == {"count": 1}
    assert assert_ok(api.get(url("get_word_count"))) == [{"word": "Now Inc", "value": 1}]
    matrix = assert_ok(api.get(url("get_count_by_jobtitle_and_statuses")))
    assert matrix["jobs"] == ["Fresh"] and matrix["data"][0] == {"name": "Applied", "data": [1]}
    series, _ = assert_ok(api.get(url("get_application_count_by_month")))
    assert series[3] == {"source": "Vettery", "data": [0] * 11 + [1]}

    assert_ok(api.post("/api/jobapps/update_jobapp", {"jobapp_id": created["id"], "status_id": OFFER}))
    assert assert_ok(api.get(url("get_count_by_statuses"))) == [{"name": "Offer", "value": 1}]
    matrix = assert_ok(api.get(url("get_count_by_jobtitle_and_statuses")))
    assert matrix["data"][0] == {"name": "Applied", "data": [0]} and matrix["data"][4]["data"] == [1]

    assert_ok(api.post("/api/jobapps/update_jobapp", {"jobapp_id": created["id"], "company": "Later Inc"}))
    assert assert_ok(api.get(url("get_word_count"))) == [{"word": "Later Inc", "value": 1}]

    assert_ok(api.post("/api/jobapps/delete_jobapp", {"jobapp_id": created["id"]}))
    assert assert_ok(api.get(url("get_total_application_count"))) == {"count": 0}
    assert assert_ok(api.get(url("get_word_count"))) == []
    assert assert_ok(api.get(url("get_count_by_jobtitle_and_statuses")))["jobs"] == []


@pytest.mark.parametrize("name", ENDPOINTS)
def test_missing_token_is_code_1(testapp, name):
    assert_error(testapp.get(url(name), expect_errors=True), 1, 401)


@pytest.mark.parametrize("name", ENDPOINTS)
def test_invalid_token_is_code_1(testapp, name):
    response = testapp.get(
        url(name), headers={"Authorization": "Bearer not-a-token-at-all-0123456789abcdef"}, expect_errors=True
    )
    assert_error(response, 1, 401)


@pytest.mark.parametrize("name", ENDPOINTS)
def test_expired_token_is_code_1(testapp, factories, name):
    user = factories.user()
    token = factories.access_token(user, expires_in=60, now=datetime.datetime(2001, 1, 1, tzinfo=UTC))
    response = testapp.get(url(name), headers={"Authorization": f"Bearer {token}"}, expect_errors=True)
    assert_error(response, 1, 401)


@pytest.mark.parametrize("name", ENDPOINTS)
def test_wrong_method_is_405_code_10(api, name):
    assert_error(api.post(url(name)), 10, 405)


@pytest.mark.parametrize("name", ENDPOINTS)
def test_statement_count_does_not_grow_with_rows(api, factories, db, count_statements, frozen, name):
    add_jobapps(factories, db, api.user, DATASET[:1])
    with count_statements() as few:
        assert_ok(api.get(url(name)))
    # Forgets any stored answer: both reads build theirs.
    add_jobapps(factories, db, api.user, DATASET)
    with count_statements() as many:
        assert_ok(api.get(url(name)))
    assert many.count == few.count
    # One statement computes the metric, from the counters; the rest is authentication. A stored answer
    # not stored yet: one to look it up (and lock), one to build (and store) it.
    assert sum("metrics." in s for s in many.statements) == (2 if name in STORED else 1)


@pytest.mark.parametrize("name", sorted(STORED))
def test_a_stored_answer_costs_one_statement(api, factories, db, count_statements, name):
    add_jobapps(factories, db, api.user, DATASET)
    with count_statements() as missed:
        built = assert_ok(api.get(url(name)))
    with count_statements() as hit:
        assert assert_ok(api.get(url(name))) == built
    assert hit.count == missed.count - 1
    assert sum("metrics." in s for s in hit.statements) == 1
