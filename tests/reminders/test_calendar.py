"""The calendar feed: valid RFC 5545 parsed back with icalendar, stable UIDs, UTC times, a secret URL."""

import datetime
from urllib.parse import parse_qs, urlsplit

import icalendar
from sqlalchemy import text

from tests.api_client import assert_error, assert_ok

FEED = "/api/users/calendar.ics"


def add(api, jobapp_id, due_at, text):
    return assert_ok(
        api.post("/api/jobapps/add_reminder", {"jobapp_id": jobapp_id, "due_at": due_at, "text": text})
    )


def calendar_url(api):
    return assert_ok(api.get("/api/users/get_calendar_url"))["url"]


def key_of(url):
    return parse_qs(urlsplit(url).query)["key"][0]


def fetch(testapp, url, status=200):
    # No Authorization header: the key is the credential.
    parts = urlsplit(url)
    return testapp.get(f"{parts.path}?{parts.query}", status=status, expect_errors=True)


def events(response):
    assert response.content_type == "text/calendar" and response.charset == "utf-8"
    calendar = icalendar.Calendar.from_ical(response.body)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return calendar.walk("VEVENT")


def test_the_feed_has_one_event_per_open_reminder_with_stable_uid_utc_start_and_application(
    api, factories, testapp
):
    jobapp = factories.jobapp(api.user, job_title="Android Developer", company="Mozilla")
    other = factories.jobapp(api.user, job_title="Backend Engineer", company="Acme, Inc.")
    call = add(api, jobapp.id, "2030-01-02T10:30:00+01:00", "Call the recruiter; bring notes, questions")
    email = add(api, other.id, "2030-01-01T08:00:00Z", "Send thank-you email")
    done = add(api, other.id, "2030-01-03T08:00:00Z", "done already")
    assert_ok(api.post("/api/jobapps/update_reminder", {"reminder_id": done["id"], "done": True}))
    url = calendar_url(api)

    first = events(fetch(testapp, url))
    assert [str(event["SUMMARY"]) for event in first] == [
        "Send thank-you email",
        "Call the recruiter; bring notes, questions",
    ]
    starts = [event.decoded("DTSTART") for event in first]
    assert starts == [
        datetime.datetime(2030, 1, 1, 8, tzinfo=datetime.UTC),
        datetime.datetime(2030, 1, 2, 9, 30, tzinfo=datetime.UTC),
    ]
    assert all(start.utcoffset() == datetime.timedelta(0) for start in starts)
    assert b"DTSTART:20300101T080000Z" in fetch(testapp, url).body
    descriptions = [str(event["DESCRIPTION"]) for event in first]
    assert "Backend Engineer" in descriptions[0] and "Acme, Inc." in descriptions[0]
    assert "Android Developer" in descriptions[1] and "Mozilla" in descriptions[1]

    # UIDs are unique and stay the same when a reminder changes.
    uids = [str(event["UID"]) for event in first]
    assert len(set(uids)) == 2
    assert_ok(api.post("/api/jobapps/update_reminder", {"reminder_id": email["id"], "due_at": "2030-06-01"}))
    second = events(fetch(testapp, url))
    assert [str(event["UID"]) for event in second] == [uids[1], uids[0]]
    assert str(second[1]["SUMMARY"]) == "Send thank-you email"
    assert call["id"] != email["id"]


def test_the_url_is_absolute_from_the_request_host_and_stable(api, testapp):
    response = api.get("/api/users/get_calendar_url", extra_environ={"HTTP_HOST": "jobs.example.test:8443"})
    url = assert_ok(response)["url"]
    assert url.startswith("http://jobs.example.test:8443/api/users/calendar.ics?key=")
    assert key_of(calendar_url(api)) == key_of(url)
    assert events(fetch(testapp, url)) == []


def test_reset_stops_the_old_url_at_once(api, testapp, factories):
    jobapp = factories.jobapp(api.user)
    add(api, jobapp.id, "2030-01-01T00:00:00Z", "x")
    old = calendar_url(api)
    new = assert_ok(api.post("/api/users/reset_calendar_key"))["url"]
    assert key_of(new) != key_of(old)
    assert_error(fetch(testapp, old, status=404), 11, 404)
    assert len(events(fetch(testapp, new))) == 1
    assert key_of(calendar_url(api)) == key_of(new)


def test_keys_are_stored_only_hashed_and_encrypted(api, db):
    key = key_of(calendar_url(api))
    stored = db.execute(text("SELECT key_digest, key_encrypted FROM calendar_feeds")).one()
    assert key not in stored.key_digest and key not in stored.key_encrypted
    assert key.split("-", 1)[1] not in stored.key_encrypted


def test_a_wrong_key_answers_404_and_a_missing_key_10(api, other_api, testapp, factories):
    jobapp = factories.jobapp(api.user)
    add(api, jobapp.id, "2030-01-01T00:00:00Z", "private")
    key = key_of(calendar_url(api))
    user_id, secret = key.split("-", 1)
    their_key = key_of(calendar_url(other_api))
    for guess in (
        f"{user_id}-{secret[:-1]}",
        f"{user_id}-{secret}x",
        f"{user_id}-",
        f"{their_key.split('-')[0]}-{secret}",  # my secret with their id
        secret,
        "1",
        "99999999999999999999-abc",
        key.upper(),
    ):
        response = testapp.get(FEED, {"key": guess}, expect_errors=True)
        assert_error(response, 11, 404)
    assert_error(testapp.get(FEED, expect_errors=True), 10, 400)
    assert_error(testapp.get(FEED, {"key": ""}, expect_errors=True), 10, 400)


def test_calendar_url_endpoints_need_a_bearer(testapp):
    assert_error(testapp.get("/api/users/get_calendar_url", expect_errors=True), 1, 401)
    assert_error(testapp.post("/api/users/reset_calendar_key", expect_errors=True), 1, 401)


def test_the_feed_issues_the_same_statements_for_few_and_many_reminders(
    api, factories, testapp, count_statements
):
    jobapp = factories.jobapp(api.user)
    url = calendar_url(api)
    counts = []
    for _ in range(2):
        for n in range(20):
            add(api, jobapp.id, "2030-01-01T00:00:00Z", f"r{n}")
        fetch(testapp, url)
        with count_statements() as counter:
            fetch(testapp, url)
        counts.append(counter.count)
    assert counts[0] == counts[1]
