"""update_jobapp edits every field; the limits hold for add and update alike; history, counters and the
reporting views stay exact after every kind of edit."""

import pytest

from tests.api_client import assert_error, assert_ok
from tests.metrics.test_counts import assert_agree

BASE = "/api/jobapps"


def jobapps(api):
    return assert_ok(api.get(f"{BASE}/get_jobapps"))


def history(api, jobapp_id):
    return assert_ok(api.get(f"{BASE}/get_status_history", {"jobapp_id": jobapp_id}))


@pytest.fixture
def jobapp(api):
    return assert_ok(
        api.post(
            f"{BASE}/add_jobapp",
            {
                "job_title": "Engineer",
                "company": "ACME",
                "source": "LinkedIn",
                "application_date": "2019-03-10",
                "job_url": "https://jobs.example.com/1",
                "location": "Berlin",
            },
        )
    )


def test_add_jobapp_stores_url_and_location(api, jobapp):
    assert jobapp["jobUrl"] == "https://jobs.example.com/1" and jobapp["location"] == "Berlin"
    assert jobapps(api) == [jobapp]


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"job_title": "Senior Engineer"}, {"jobTitle": "Senior Engineer"}),
        ({"company": "Acme Corp"}, {"company": "Acme Corp"}),
        ({"source": "Indeed"}, {"source": "Indeed"}),
        ({"source": ""}, {"source": ""}),
        ({"application_date": "2018-12-31T23:30:00-02:00"}, {"applyDate": "2019-01-01T01:30:00Z"}),
        ({"job_url": "http://example.org/job?id=2"}, {"jobUrl": "http://example.org/job?id=2"}),
        ({"job_url": ""}, {"jobUrl": None}),
        ({"location": "Remote"}, {"location": "Remote"}),
        ({"location": ""}, {"location": None}),
    ],
)
def test_each_field_can_be_edited_alone(api, engine, jobapp, change, expected):
    assert_ok(api.post(f"{BASE}/update_jobapp", {"jobapp_id": jobapp["id"], **change}))
    assert jobapps(api) == [dict(jobapp, **expected)]
    # No status change, no history row.
    assert len(history(api, jobapp["id"])) == 1
    assert_agree(engine)


def test_every_field_at_once_with_a_status_change_writes_one_history_row(api, engine, jobapp):
    change = {
        "jobapp_id": str(jobapp["id"]),
        "job_title": "Lead",
        "company": "Initech",
        "source": "Hired.com",
        "application_date": "2019-06-01",
        "job_url": "https://initech.example/careers/7",
        "location": "Austin, TX",
        "status_id": 3,
        "rejected": "true",
    }
    assert_ok(api.post(f"{BASE}/update_jobapp", change))
    assert jobapps(api) == [
        dict(
            jobapp,
            jobTitle="Lead",
            company="Initech",
            source="Hired.com",
            applyDate="2019-06-01T00:00:00Z",
            jobUrl="https://initech.example/careers/7",
            location="Austin, TX",
            applicationStatus={"id": 3, "value": "Phone Screen"},
            isRejected=True,
        )
    ]
    assert [row["applicationStatus"]["id"] for row in history(api, jobapp["id"])] == [1, 3]
    assert_agree(engine)


def test_metrics_follow_title_company_source_and_date_edits(api, engine, jobapp):
    api.post(
        f"{BASE}/add_jobapp", {"job_title": "Engineer", "company": "ACME", "application_date": "2019-03-11"}
    )
    edits = [
        {"job_title": "Designer"},
        {"company": "Globex"},
        {"source": "Vettery"},
        {"application_date": "2018-01-01"},
        {"status_id": 5},
    ]
    for edit in edits:
        assert_ok(api.post(f"{BASE}/update_jobapp", {"jobapp_id": jobapp["id"], **edit}))
        assert_agree(engine)
    assert assert_ok(api.get("/api/metrics/get_word_count")) == [
        {"word": "ACME", "value": 1},
        {"word": "Globex", "value": 1},
    ]
    matrix = assert_ok(api.get("/api/metrics/get_count_by_jobtitle_and_statuses"))
    assert sorted(matrix["jobs"]) == ["Designer", "Engineer"]
    assert assert_ok(api.get("/api/metrics/get_count_by_statuses")) == [
        {"name": "Applied", "value": 1},
        {"name": "Offer", "value": 1},
    ]


# Limits, for add and update alike.

TOO_LONG_OR_BLANK = [
    {"job_title": ""},
    {"job_title": "   "},
    {"job_title": "x" * 501},
    {"company": ""},
    {"company": "\t \n"},
    {"company": "x" * 256},
    {"source": "x" * 101},
    {"location": "x" * 256},
    {"job_url": "https://example.com/" + "x" * 2030},
    {"job_url": "javascript:alert(1)"},
    {"job_url": "JAVASCRIPT://example.com/%0aalert(1)"},
    {"job_url": "data:text/html,<script>alert(1)</script>"},
    {"job_url": "file:///etc/passwd"},
    {"job_url": "ftp://example.com/job"},
    {"job_url": "https://"},
    {"job_url": "//example.com/job"},
    {"job_url": "https://exa mple.com/job"},
    {"job_url": "https://[::1"},
    {"job_url": 7},
    {"location": ["Berlin"]},
]


@pytest.mark.parametrize("field", TOO_LONG_OR_BLANK)
def test_add_jobapp_refuses_values_beyond_the_limits(api, field):
    body = dict({"job_title": "Engineer", "company": "ACME"}, **field)
    assert_error(api.post(f"{BASE}/add_jobapp", body), 10, 400)
    assert jobapps(api) == []


@pytest.mark.parametrize("field", TOO_LONG_OR_BLANK)
def test_update_jobapp_refuses_values_beyond_the_limits(api, jobapp, field):
    assert_error(api.post(f"{BASE}/update_jobapp", dict({"jobapp_id": jobapp["id"]}, **field)), 10, 400)
    assert jobapps(api) == [jobapp]


def test_values_at_the_limits_are_accepted(api, jobapp):
    at_limit = {
        "job_title": "t" * 500,
        "company": "c" * 255,
        "source": "s" * 100,
        "location": "l" * 255,
        "job_url": "HTTPS://example.com/" + "u" * 2028,
    }
    assert_ok(api.post(f"{BASE}/update_jobapp", {"jobapp_id": jobapp["id"], **at_limit}))
    created = assert_ok(api.post(f"{BASE}/add_jobapp", at_limit))
    assert created["jobUrl"] == at_limit["job_url"] and len(created["jobUrl"]) == 2048


def test_update_jobapp_needs_something_to_change(api, jobapp):
    assert_error(api.post(f"{BASE}/update_jobapp", {"jobapp_id": jobapp["id"]}), 10, 400)
    assert_error(api.post(f"{BASE}/update_jobapp", {"jobapp_id": jobapp["id"], "jobTitle": "x"}), 10, 400)


def test_a_foreign_application_is_missing_and_unchanged(api, other_api, jobapp):
    assert_error(
        other_api.post(f"{BASE}/update_jobapp", {"jobapp_id": jobapp["id"], "company": "Mine"}), 11, 404
    )
    assert jobapps(api) == [jobapp]
