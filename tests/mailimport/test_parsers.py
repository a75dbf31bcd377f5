"""Per-source parsers: the shared fixtures yield EXPECTED.json, and real-world variants parse the same."""

import contextlib
import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobhax.jobapps.models import COMPANY_MAX, TITLE_MAX
from jobhax.mailimport.parsers import ParsedApplication, UnparseableMessage, gmail_query, parse_message
from tests.mailimport.builder import alternative, html, message, mixed, part, related, text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "gmail"
EXPECTED = json.loads((FIXTURES / "EXPECTED.json").read_text())

LINKEDIN_FROM = "LinkedIn <jobs-listings@linkedin.com>"
HIRED_FROM = "Hired <reply@hired.com>"
INDEED_FROM = "Indeed Apply <indeedapply@indeed.com>"
VETTERY_FROM = "Vettery <notifications@connect.vettery.com>"


def linkedin_html(title="Lead Android Engineer", company="OpenPhone", job_id="1063402231"):
    return (
        '<html><body><table><tr><td><img src="https://static.licdn.com/logo_linkedin.png" alt="LinkedIn">'
        f'</td></tr><tr><td><img src="https://media.licdn.com/dms/image/X/company-logo_100_100/0?e=1&amp;v=beta"'
        f' alt="{company}"><h2>Your application was sent to {company}</h2>'
        f'<a href="https://www.linkedin.com/comm/jobs/view/{job_id}?trk=eml&amp;refId=abc">{title}</a>'
        f"<p>{company} &middot; San Francisco, CA</p></td></tr></table></body></html>"
    )


HIRED_HTML = (
    "<html><body><p>Hi Joe,</p><p>Carvana would like to interview you for the <b>Senior Android Developer</b>"
    " role.</p><p>Offered salary: $140,000 - $160,000</p></body></html>"
)
INDEED_HTML = (
    "<html><body><div><p>Your application has been submitted.</p><p>Android Developer</p>"
    "<p>You will get updates from <b>Genuent</b> on this application.</p></div></body></html>"
)
VETTERY_HTML = (
    "<html><body><p>You have a new interview request! BrainyPro wants to set up an interview with you.</p>"
    "<p>Role: <br>Mobile Software Engineer<br></p><p>Company: BrainyPro</p></body></html>"
)


def parse(payload, sender, subject, **options):
    return parse_message(message(payload, sender=sender, subject=subject, **options))


def found(parsed):
    return parsed.source, parsed.job_title, parsed.company


def load(name):
    return json.loads((FIXTURES / name).read_text())


@pytest.mark.parametrize("expected", EXPECTED, ids=[entry["file"] for entry in EXPECTED])
def test_fixtures_yield_expected(expected):
    msg = load(expected["file"])
    parsed = parse_message(msg)
    if expected["source"] is None:
        assert parsed is None
        return
    assert parsed.source == expected["source"]
    assert parsed.job_title == expected["jobTitle"]
    assert parsed.company == expected["company"]
    assert parsed.apply_date.isoformat().replace("+00:00", "Z") == expected["applyDate"]
    assert parsed.linkedin_job_id == expected.get("linkedin_job_id")
    assert parsed.company_logo == expected.get("companyLogo")
    assert parsed.msg_id == msg["id"]
    subject = next(h["value"] for h in msg["payload"]["headers"] if h["name"] == "Subject")
    assert parsed.subject == subject
    assert parsed.body.startswith("<html>") and parsed.body.endswith("</html>")


def test_sources_match_the_reporting_buckets():
    """reporting.source_bucket maps hired.com, linkedin, indeed, vettery (case-insensitive) to buckets."""
    sources = {entry["source"] for entry in EXPECTED if entry["source"]}
    assert {source.lower() for source in sources} == {"hired.com", "linkedin", "indeed", "vettery"}
    sql = (Path(__file__).resolve().parents[2] / "jobhax" / "sql" / "0001_reporting_views.sql").read_text()
    for source in sources:
        assert f"'{source.lower()}'" in sql


def test_parsed_application_is_frozen():
    parsed = parse_message(load("hired_interview_request.json"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.company = "Other"


@pytest.mark.parametrize(
    "sender",
    [
        "LinkedIn <jobs-listings@linkedin.com>",
        "LinkedIn <jobs-noreply@linkedin.com>",
        "jobs-noreply@linkedin.com",
        "<JOBS-NOREPLY@LINKEDIN.COM>",
        '"LinkedIn Jobs, via LinkedIn" <Jobs-Listings@LinkedIn.com>',
        "=?UTF-8?Q?LinkedIn_=C3=9C?= <jobs-listings@linkedin.com>",
        "jobs-listings@linkedin.com (LinkedIn)",
    ],
)
def test_linkedin_senders(sender):
    parsed = parse(html(linkedin_html()), sender, "You applied for Lead Android Engineer at OpenPhone")
    assert found(parsed) == ("LinkedIn", "Lead Android Engineer", "OpenPhone")
    assert parsed.linkedin_job_id == "1063402231"
    assert parsed.company_logo == "https://media.licdn.com/dms/image/X/company-logo_100_100/0?e=1&v=beta"


@pytest.mark.parametrize(
    "sender",
    [
        "Hired <reply@hired.com>",
        "reply@hired.com",
        "REPLY@HIRED.COM",
        '"Hired, Inc." <Reply@Hired.com>',
    ],
)
def test_hired_senders(sender):
    parsed = parse(
        html(HIRED_HTML), sender, "Interview Request: Senior Android Developer at Carvana ($1 - $2)"
    )
    assert found(parsed) == ("Hired.com", "Senior Android Developer", "Carvana")


@pytest.mark.parametrize(
    "sender",
    [
        "Indeed Apply <indeedapply@indeed.com>",
        "indeedapply@indeed.com",
        "INDEED <IndeedApply@Indeed.COM>",
    ],
)
def test_indeed_senders(sender):
    parsed = parse(html(INDEED_HTML), sender, "Indeed Application: Android Developer")
    assert found(parsed) == ("Indeed", "Android Developer", "Genuent")


@pytest.mark.parametrize(
    "sender",
    [
        "Vettery <notifications@connect.vettery.com>",
        "talent@connect.vettery.com",
        "Jane at Vettery <JANE.DOE@CONNECT.VETTERY.COM>",
        '"Vettery, Inc" <no-reply+abc@connect.vettery.com>',
    ],
)
def test_vettery_senders(sender):
    parsed = parse(html(VETTERY_HTML), sender, "Interview Request from BrainyPro")
    assert found(parsed) == ("Vettery", "Mobile Software Engineer", "BrainyPro")


@pytest.mark.parametrize(
    "sender, subject, body",
    [
        ("LinkedIn <news@linkedin.com>", "You applied for X at Y", linkedin_html()),
        ("LinkedIn <jobs-listings@linkedin.com.evil.example>", "You applied for X at Y", linkedin_html()),
        ("jobs-listings@notlinkedin.com", "You applied for X at Y", linkedin_html()),
        ("Hired <noreply@hired.com>", "Interview Request: A at B", HIRED_HTML),
        ("Indeed <alert@indeed.com>", "Indeed Application: Android Developer", INDEED_HTML),
        ("Vettery <team@vettery.com>", "Interview Request from BrainyPro", VETTERY_HTML),
        ("Vettery <x@mail.connect.vettery.com>", "Interview Request from BrainyPro", VETTERY_HTML),
        ('"jobs-listings@linkedin.com" <phish@example.com>', "You applied for X at Y", linkedin_html()),
        ("", "You applied for X at Y", linkedin_html()),
        (None, "You applied for X at Y", linkedin_html()),
    ],
)
def test_other_senders_are_not_applications(sender, subject, body):
    """The sender decides the source: look-alike bodies from anyone else create nothing."""
    assert parse(html(body), sender, subject) is None


@pytest.mark.parametrize(
    "subject, body, expected",
    [
        (
            "You applied for Lead Android Engineer at OpenPhone",
            linkedin_html(),
            ("Lead Android Engineer", "OpenPhone"),
        ),
        (
            "You applied for Engineer at Large at Acme",
            linkedin_html("Engineer at Large", "Acme"),
            ("Engineer at Large", "Acme"),
        ),
        (
            "You applied for Data Engineer at Bell at Home Inc",
            linkedin_html("Data Engineer", "Bell at Home Inc"),
            ("Data Engineer", "Bell at Home Inc"),
        ),
        (
            "You applied for Software Engineer - Android at AT&T",
            "<html><body><p>Your application was sent to AT&amp;T</p></body></html>",
            ("Software Engineer - Android", "AT&T"),
        ),
        (
            "You applied for Dev at O'Reilly",
            "<p>Your application was sent to O&#39;Reilly</p>",
            ("Dev", "O'Reilly"),
        ),
        (
            "You applied for Dev at O\u2019Reilly",
            "<p>Your application was sent to O&#x2019;Reilly</p>",
            ("Dev", "O\u2019Reilly"),
        ),
        (
            "You applied for \U0001f916 Lead Android Engineer at OpenPhone",
            linkedin_html("&#129302; Lead Android Engineer"),
            ("\U0001f916 Lead Android Engineer", "OpenPhone"),
        ),
        (
            "You applied for Ingénieur logiciel at Société Générale",
            linkedin_html("Ingénieur logiciel", "Société Générale"),
            ("Ingénieur logiciel", "Société Générale"),
        ),
        ("You applied for 软件工程师 at 腾讯", linkedin_html("软件工程师", "腾讯"), ("软件工程师", "腾讯")),
        (
            "  You applied for   Lead\tAndroid\r\n Engineer   at  OpenPhone ",
            "<h2>\n  Your application   was sent to\n\n OpenPhone\n</h2>",
            ("Lead Android Engineer", "OpenPhone"),
        ),
        (
            "You applied for Lead Android Engineer at OpenPhone",
            "<p>Thanks for applying.</p>",
            ("Lead Android Engineer", "OpenPhone"),
        ),
        ("Your application to OpenPhone", linkedin_html(), ("Lead Android Engineer", "OpenPhone")),
        (
            "you applied for lead android engineer at openphone",
            "<p>nothing else</p>",
            ("lead android engineer", "openphone"),
        ),
        (
            "You applied for Lead Android Engineer at OpenPhone",
            "<p>Your application was sent to OpenPhone.</p>",
            ("Lead Android Engineer", "OpenPhone"),
        ),
        (
            "=?UTF-8?B?WW91IGFwcGxpZWQgZm9yIPCfpJYgQm90IERldiBhdCBPcGVuUGhvbmU=?=",
            "<p>Hi</p>",
            ("\U0001f916 Bot Dev", "OpenPhone"),
        ),
    ],
)
def test_linkedin_variants(subject, body, expected):
    assert found(parse(html(body), LINKEDIN_FROM, subject)) == ("LinkedIn", *expected)


def test_linkedin_text_only():
    body = (
        "Your application was sent to OpenPhone.\nLead Android Engineer\n"
        "https://www.linkedin.com/comm/jobs/view/1063402231?trk=eml-jobs_applied_confirmation"
    )
    parsed = parse(text(body), LINKEDIN_FROM, "You applied for Lead Android Engineer at OpenPhone")
    assert found(parsed) == ("LinkedIn", "Lead Android Engineer", "OpenPhone")
    assert parsed.linkedin_job_id == "1063402231"
    assert parsed.company_logo is None
    assert parsed.body == body


def test_linkedin_in_multipart_mixed_with_attachment():
    payload = mixed(
        related(
            alternative(text("Your application was sent to OpenPhone."), html(linkedin_html())),
            part("image/png", b"\x89PNG", filename="logo.png"),
        ),
        part("application/pdf", b"%PDF-1.4", filename="resume.pdf"),
    )
    parsed = parse(payload, LINKEDIN_FROM, "You applied for Lead Android Engineer at OpenPhone")
    assert found(parsed) == ("LinkedIn", "Lead Android Engineer", "OpenPhone")
    assert parsed.body == linkedin_html()


@pytest.mark.parametrize(
    "href, job_id",
    [
        ("https://www.linkedin.com/comm/jobs/view/1063402231?trk=x", "1063402231"),
        ("https://www.linkedin.com/jobs/view/1063402231/", "1063402231"),
        ("https://www.linkedin.com/jobs/view/lead-android-engineer-at-openphone-1063402231", "1063402231"),
        ("https://www.linkedin.com/company/openphone", None),
    ],
)
def test_linkedin_job_id_from_the_body_link(href, job_id):
    body = f'<p>Your application was sent to OpenPhone</p><a href="{href}">Lead Android Engineer</a>'
    parsed = parse(html(body), LINKEDIN_FROM, "You applied for Lead Android Engineer at OpenPhone")
    assert parsed.linkedin_job_id == job_id


def test_linkedin_title_from_the_job_link_when_the_subject_has_none():
    body = (
        "<h2>Your application was sent to OpenPhone</h2>"
        '<a href="https://www.linkedin.com/jobs/view/42/">Lead  Android\nEngineer</a>'
    )
    parsed = parse(html(body), LINKEDIN_FROM, "Application sent")
    assert found(parsed) == ("LinkedIn", "Lead Android Engineer", "OpenPhone")
    assert parsed.linkedin_job_id == "42"


def test_linkedin_logo_only_from_company_images():
    body = (
        '<img src="https://static.licdn.com/logo.png" alt="LinkedIn">'
        "<p>Your application was sent to OpenPhone</p>"
    )
    parsed = parse(html(body), LINKEDIN_FROM, "You applied for Dev at OpenPhone")
    assert parsed.company_logo is None


def test_linkedin_overlong_logo_url_is_dropped():
    src = "https://media.licdn.com/company-logo/" + "a" * 3000
    body = f'<img src="{src}" alt="OpenPhone"><p>Your application was sent to OpenPhone</p>'
    assert parse(html(body), LINKEDIN_FROM, "You applied for Dev at OpenPhone").company_logo is None


@pytest.mark.parametrize(
    "subject, body",
    [
        ("30 new jobs for Android Developer in San Francisco", "<p>Jobs you may be interested in</p>"),
        ("Joe, your job alert for Android Developer", "<p>Apply now at OpenPhone</p>"),
        ("Hiring now: Lead Android Engineer at OpenPhone", "<p>Easy Apply</p>"),
        ("", ""),
    ],
)
def test_linkedin_newsletters_are_not_applications(subject, body):
    assert parse(html(body), LINKEDIN_FROM, subject) is None


@pytest.mark.parametrize(
    "subject, body",
    [
        ("You applied for something", "<p>Thank you</p>"),
        ("You applied for Lead Android Engineer", "<p>Your application was sent to </p>"),
        ("Application", "<p>Your application was sent to OpenPhone</p>"),
    ],
)
def test_linkedin_application_without_fields_is_unparseable(subject, body):
    with pytest.raises(UnparseableMessage):
        parse(html(body), LINKEDIN_FROM, subject)


@pytest.mark.parametrize(
    "subject, body, expected",
    [
        (
            "Interview Request: Senior Android Developer at Carvana ($140,000 - $160,000)",
            HIRED_HTML,
            ("Senior Android Developer", "Carvana"),
        ),
        (
            "Interview Request: Senior Android Developer at Carvana ($140,000 - $160,000)",
            "<p>See you</p>",
            ("Senior Android Developer", "Carvana"),
        ),
        (
            "Interview Request: Engineer at Large at Carvana",
            "<p>See you</p>",
            ("Engineer at Large", "Carvana"),
        ),
        (
            "Interview Request",
            "<p>Good news! AT&amp;T would like to interview you for the <i>R&amp;D Lead</i> role.</p>",
            ("R&D Lead", "AT&T"),
        ),
        (
            "Interview Request: x",
            "<p>Acme   Corp\nwould like to interview you for the\n Data &#x2019;Ninja&#x2019; role</p>",
            ("Data \u2019Ninja\u2019", "Acme Corp"),
        ),
        ("Interview Request: 🚀 Rocket Engineer at SpaceX", "<p>Hi</p>", ("🚀 Rocket Engineer", "SpaceX")),
        ("interview request: Dev at Café Ltd (€50k)", "", ("Dev", "Café Ltd")),
    ],
)
def test_hired_variants(subject, body, expected):
    assert found(parse(html(body), HIRED_FROM, subject)) == ("Hired.com", *expected)


def test_hired_text_only():
    body = "Hi Joe,\nCarvana would like to interview you for the Senior Android Developer role.\n"
    parsed = parse(text(body), HIRED_FROM, "Interview Request")
    assert found(parsed) == ("Hired.com", "Senior Android Developer", "Carvana")
    assert parsed.body == body


@pytest.mark.parametrize(
    "subject, body",
    [
        ("Your weekly Hired digest", "<p>5 companies viewed your profile</p>"),
        ("Complete your profile", ""),
    ],
)
def test_hired_other_mail_is_not_an_application(subject, body):
    assert parse(html(body), HIRED_FROM, subject) is None


@pytest.mark.parametrize("subject", ["Interview Request", "Interview Request: no company here"])
def test_hired_interview_request_without_fields_is_unparseable(subject):
    with pytest.raises(UnparseableMessage):
        parse(html("<p>Hello</p>"), HIRED_FROM, subject)


@pytest.mark.parametrize(
    "subject, payload, expected",
    [
        ("Indeed Application: Android Developer", html(INDEED_HTML), ("Android Developer", "Genuent")),
        (
            "Indeed Application: Android Developer",
            mixed(
                alternative(
                    text("Your application has been submitted. Android Developer. Updates from Genuent."),
                    html(INDEED_HTML),
                )
            ),
            ("Android Developer", "Genuent"),
        ),
        (
            "Indeed Application: Android Developer",
            text("Your application has been submitted. Android Developer. Updates from Genuent."),
            ("Android Developer", "Genuent"),
        ),
        (
            "Indeed Application:   R&D   Engineer ",
            html("<p>You will get updates from <b>Procter &amp; Gamble</b> on this application.</p>"),
            ("R&D Engineer", "Procter & Gamble"),
        ),
        (
            "Indeed Application: Développeur Android",
            html("<p>updates from <b>Ubisoft Montréal</b> on this application"),
            ("Développeur Android", "Ubisoft Montréal"),
        ),
        ("Application submitted", html(INDEED_HTML), ("Android Developer", "Genuent")),
        (
            "INDEED APPLICATION: Android Developer",
            html(INDEED_HTML, charset="ISO-8859-1"),
            ("Android Developer", "Genuent"),
        ),
    ],
)
def test_indeed_variants(subject, payload, expected):
    assert found(parse(payload, INDEED_FROM, subject)) == ("Indeed", *expected)


def test_indeed_other_mail_is_not_an_application():
    assert parse(html("<p>Jobs for you</p>"), INDEED_FROM, "New jobs near you") is None


@pytest.mark.parametrize(
    "subject, body",
    [
        ("Indeed Application: Android Developer", "<p>Thanks!</p>"),
        ("Indeed Application:  ", INDEED_HTML.replace("Android Developer", "")),
        ("Hello", "<p>Your application has been submitted.</p>"),
    ],
)
def test_indeed_application_without_fields_is_unparseable(subject, body):
    with pytest.raises(UnparseableMessage):
        parse(html(body), INDEED_FROM, subject)


@pytest.mark.parametrize(
    "subject, body, expected",
    [
        ("Interview Request from BrainyPro", VETTERY_HTML, ("Mobile Software Engineer", "BrainyPro")),
        (
            "Interview Request from BrainyPro",
            "<p>Role: Mobile Software Engineer</p>",
            ("Mobile Software Engineer", "BrainyPro"),
        ),
        (
            "Interview Request from X",
            "<p>ROLE:<br/>QA &amp; Test Lead</p><p>company:   Ben &amp; Jerry&#39;s </p>",
            ("QA & Test Lead", "Ben & Jerry's"),
        ),
        (
            "New message",
            "<div>Role:</div><div>\n  Data\n Scientist  </div><div>Company: Acme</div>",
            ("Data Scientist", "Acme"),
        ),
        ("Interview Request from Zürich AG", "<p>Role: Ingénieur ☕</p>", ("Ingénieur ☕", "Zürich AG")),
    ],
)
def test_vettery_variants(subject, body, expected):
    assert found(parse(html(body), VETTERY_FROM, subject)) == ("Vettery", *expected)


def test_vettery_text_only():
    body = "You have a new interview request!\nRole:\nMobile Software Engineer\nCompany: BrainyPro\n"
    assert found(parse(text(body), VETTERY_FROM, "Interview Request from BrainyPro")) == (
        "Vettery",
        "Mobile Software Engineer",
        "BrainyPro",
    )


def test_vettery_other_mail_is_not_an_application():
    assert parse(html("<p>Your profile is live</p>"), VETTERY_FROM, "Welcome to Vettery") is None


@pytest.mark.parametrize("body", ["<p>Hi</p>", "<p>Role:</p>", ""])
def test_vettery_request_without_role_is_unparseable(body):
    with pytest.raises(UnparseableMessage):
        parse(html(body), VETTERY_FROM, "Interview Request from BrainyPro")


@pytest.mark.parametrize(
    "sender, subject, body, field",
    [
        (
            LINKEDIN_FROM,
            "You applied for {title} at Acme",
            "<p>Your application was sent to Acme</p>",
            "job_title",
        ),
        (LINKEDIN_FROM, "You applied for Dev at {company}", "<p>Hi</p>", "company"),
        (HIRED_FROM, "Interview Request: {title} at Acme", "", "job_title"),
        (
            INDEED_FROM,
            "Indeed Application: Dev",
            "<p>updates from {company} on this application</p>",
            "company",
        ),
        (VETTERY_FROM, "Interview Request from Acme", "<p>Role: {title}</p>", "job_title"),
    ],
)
def test_title_and_company_are_capped_to_the_model_limits(sender, subject, body, field):
    long_title, long_company = "T" * (TITLE_MAX + 100), "C" * (COMPANY_MAX + 100)
    fill = {"title": long_title, "company": long_company}
    parsed = parse(html(body.format(**fill)), sender, subject.format(**fill))
    limit = TITLE_MAX if field == "job_title" else COMPANY_MAX
    assert getattr(parsed, field) == (long_title if field == "job_title" else long_company)[:limit]


def test_body_is_html_else_text():
    both = parse(
        alternative(
            text("Your application was sent to Acme."), html("<p>Your application was sent to Acme</p>")
        ),
        LINKEDIN_FROM,
        "You applied for Dev at Acme",
    )
    assert both.body == "<p>Your application was sent to Acme</p>"


@pytest.mark.parametrize(
    "date, internal_date, expected",
    [
        ("Fri, 8 Feb 2019 10:20:00 -0800", "0", datetime(2019, 2, 8, 18, 20, tzinfo=UTC)),
        ("8 Feb 2019 18:20:00 GMT", "0", datetime(2019, 2, 8, 18, 20, tzinfo=UTC)),
        (None, "1549650000000", datetime(2019, 2, 8, 18, 20, tzinfo=UTC)),
        ("broken", "1549650000000", datetime(2019, 2, 8, 18, 20, tzinfo=UTC)),
    ],
)
def test_apply_date(date, internal_date, expected):
    parsed = parse(html(HIRED_HTML), HIRED_FROM, "Interview Request", date=date, internal_date=internal_date)
    assert parsed.apply_date == expected


def test_application_without_any_date_is_unparseable():
    with pytest.raises(UnparseableMessage):
        parse(html(HIRED_HTML), HIRED_FROM, "Interview Request", date=None, internal_date=None)


@pytest.mark.parametrize("msg_id", [None, "", "  ", 12])
def test_application_without_id_is_unparseable(msg_id):
    msg = message(html(HIRED_HTML), sender=HIRED_FROM, subject="Interview Request")
    msg["id"] = msg_id
    with pytest.raises(UnparseableMessage):
        parse_message(msg)


def test_message_id_is_kept():
    parsed = parse(html(HIRED_HTML), HIRED_FROM, "Interview Request", msg_id="18f0aa")
    assert parsed.msg_id == "18f0aa"


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        [],
        "x",
        0,
        {},
        {"id": "1"},
        {"payload": None},
        {"payload": {"headers": None}},
        {"payload": {"headers": [{"name": "From", "value": None}]}},
        {"payload": {"headers": [{"name": "From", "value": "reply@hired.com"}]}},
        {
            "id": "1",
            "payload": {"headers": [{"name": "From", "value": "reply@hired.com"}], "parts": [None, "x"]},
        },
        {
            "id": 5,
            "payload": {
                "headers": [
                    {"name": "FROM", "value": "jobs-noreply@linkedin.com"},
                    {"name": "Subject", "value": "You applied for A at B"},
                ]
            },
        },
    ],
)
def test_garbage_is_none_or_unparseable(garbage):
    with contextlib.suppress(UnparseableMessage):
        assert parse_message(garbage) is None


SENDERS = st.sampled_from([LINKEDIN_FROM, HIRED_FROM, INDEED_FROM, VETTERY_FROM, "x@example.com", ""])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sender=SENDERS,
    subject=st.text(max_size=80),
    body=st.text(max_size=300),
    mime=st.sampled_from(
        ["text/html", "text/plain", "multipart/alternative", "application/octet-stream", ""]
    ),
)
def test_any_message_from_any_sender_is_an_application_none_or_unparseable(sender, subject, body, mime):
    msg = message(part(mime, body) if mime else {"body": {"data": body}}, sender=sender, subject=subject)
    try:
        parsed = parse_message(msg)
    except UnparseableMessage:
        return
    assert parsed is None or (isinstance(parsed, ParsedApplication) and parsed.job_title and parsed.company)


@settings(max_examples=300, deadline=None)
@given(resource=JSON, sender=SENDERS)
def test_arbitrary_json_never_raises_anything_else(resource, sender):
    if isinstance(resource, dict):
        resource.setdefault(
            "payload", {"headers": [{"name": "From", "value": sender}], "parts": [resource.copy()]}
        )
    with contextlib.suppress(UnparseableMessage):
        parse_message(resource)


def test_query_covers_the_four_sources():
    query = gmail_query()
    for address in [
        "jobs-listings@linkedin.com",
        "jobs-noreply@linkedin.com",
        "reply@hired.com",
        "indeedapply@indeed.com",
        "connect.vettery.com",
    ]:
        assert f"from:{address}" in query
    assert query == (
        "(from:jobs-listings@linkedin.com OR from:jobs-noreply@linkedin.com OR from:reply@hired.com"
        " OR from:indeedapply@indeed.com OR from:connect.vettery.com)"
    )
    assert "after:" not in query


@pytest.mark.parametrize(
    "since, epoch",
    [
        (datetime(2019, 1, 1, tzinfo=UTC), 1546300800),
        (datetime(2019, 1, 1, 1, tzinfo=timezone(timedelta(hours=1))), 1546300800),
        (datetime(2019, 1, 1), 1546300800),
        (datetime(2019, 1, 1, 0, 0, 0, 999999, tzinfo=UTC), 1546300800),
        (datetime(1970, 1, 1, tzinfo=UTC), 0),
    ],
)
def test_query_after_since_in_epoch_seconds(since, epoch):
    assert gmail_query(since) == f"{gmail_query()} after:{epoch}"
