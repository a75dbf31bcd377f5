"""Hostile mail is harmless: what an attacker can put in a message never reaches the database, a browser or
the parsers' running time (speed itself is measured by `make bench-import`, never here)."""

import pytest
from sqlalchemy import create_engine, text

from jobhax.jobapps.models import COMPANY_MAX, TITLE_MAX
from jobhax.mailimport.hostile import MAX_TEXT, https_url, sanitize_html
from jobhax.mailimport.htmltext import read_html
from jobhax.mailimport.message import html_body
from jobhax.mailimport.parsers import ParsedApplication, UnparseableMessage, parse_message
from jobhax.migrations import downgrade, upgrade
from tests.api_client import assert_ok
from tests.mailimport.builder import html, message, part

ASHBY = "Vandelay Industries <no-reply@ashbyhq.com>"
BODY = "<p>We received your application for the Importer role at Vandelay Industries.</p>"


def test_nul_and_lone_surrogates_are_stripped_from_headers_and_bodies():
    parsed = parse_message(
        message(
            html(BODY.replace("Importer", "Im\x00porter")),
            sender="Vandelay\x00 Industries <no-reply@ashbyhq.com>",
            subject="Thanks for applying to Vandelay\ud800 Industries\x00",
            msg_id="id\x00\udfff1",
        )
    )
    assert (parsed.company, parsed.job_title, parsed.msg_id) == ("Vandelay Industries", "Importer", "id1")
    assert "\x00" not in parsed.subject + parsed.body
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in parsed.subject + parsed.body)


def test_a_body_above_one_mib_is_cut_before_parsing():
    huge = "<p>" + "x" * (3 * MAX_TEXT) + "</p>"
    assert len(html_body(message(html(huge)))) == MAX_TEXT


@pytest.mark.parametrize(
    "line",
    [
        ". " * (MAX_TEXT // 2),
        "<" * MAX_TEXT,
        "<a" * (MAX_TEXT // 2),
        "&" * MAX_TEXT,
        "updates from " * (MAX_TEXT // 13),
        " would like to interview you for the " * (MAX_TEXT // 37),
        "Interview Request: " + " at " * (MAX_TEXT // 4),
        "<a " + "b=1 " * (MAX_TEXT // 4) + ">",
        "<div>" * (MAX_TEXT // 5),
    ],
    ids=["dots", "lt", "lt-a", "amp", "indeed", "hired", "hired-subject", "attributes", "nesting"],
)
@pytest.mark.parametrize("sender", ["Hired <reply@hired.com>", "indeedapply@indeed.com", ASHBY])
def test_a_one_mib_hostile_line_parses_within_the_model_limits(line, sender):
    try:
        parsed = parse_message(message(html(line), sender=sender, subject=line[:2000]))
    except UnparseableMessage:
        return
    if isinstance(parsed, ParsedApplication):
        assert len(parsed.job_title) <= TITLE_MAX and len(parsed.company) <= COMPANY_MAX


def test_the_sentence_after_a_hostile_line_is_still_read():
    body = (
        "<p>"
        + ". " * 100_000
        + "</p><p>Carvana would like to interview you for the Android Developer role.</p>"
    )
    parsed = parse_message(message(html(body), sender="Hired <reply@hired.com>", subject="Interview Request"))
    assert (parsed.company, parsed.job_title) == ("Carvana", "Android Developer")


def test_deeply_nested_parts_are_read_without_recursion():
    payload = html(BODY)
    for _ in range(5000):
        payload = part("multipart/mixed", parts=[payload])
    parsed = parse_message(
        message(payload, sender=ASHBY, subject="Thanks for applying to Vandelay Industries")
    )
    assert parsed.job_title == "Importer"


@pytest.mark.parametrize(
    "dirty, forbidden",
    [
        ("<p>hi</p><script>alert(1)</script>", ["<script", "alert"]),
        ("<style>p{color:red}</style><p>hi</p>", ["<style", "color:red"]),
        ('<img src="https://x.example/a.png" onerror="alert(2)">', ["onerror", "alert"]),
        ('<a href="javascript:alert(3)">x</a>', ["javascript:", "alert"]),
        ('<a href="data:text/html,<script>alert(4)</script>">x</a>', ["data:", "alert"]),
        ('<form action="https://evil.example"><input name="pw"></form>', ["<form", "<input"]),
        ('<iframe src="https://evil.example"></iframe>', ["<iframe"]),
        ('<svg onload="alert(5)"><p>x</p></svg>', ["onload", "<svg"]),
    ],
)
def test_sanitized_bodies_keep_nothing_active(dirty, forbidden):
    clean = sanitize_html(dirty)
    for fragment in forbidden:
        assert fragment not in clean


def test_sanitized_links_get_noopener_noreferrer_and_keep_text():
    assert sanitize_html('<p>See <a href="https://acme.example/job">the job</a></p>') == (
        '<p>See <a href="https://acme.example/job" rel="noopener noreferrer">the job</a></p>'
    )


def test_long_hostile_runs_are_sanitized_whole():
    clean = sanitize_html("&" * MAX_TEXT)
    assert clean.count("&amp;") == MAX_TEXT


def test_reading_html_keeps_lines_links_images_and_emphasis():
    read = read_html(
        "<html><head><title>t</title><style>x</style></head><body><p>Hi <b>Sam</b>,</p><div>Line"
        '<br>two <a href="https://a.example">link</a></div><img src="https://i.example/l.png" alt="Logo">'
        "<script>no</script>tail &amp; more</body></html>"
    )
    assert read.lines == ["Hi Sam,", "Line", "two link", "tail & more"]
    assert [(link.href, link.text) for link in read.links] == [("https://a.example", "link")]
    assert [(image.src, image.alt) for image in read.images] == [("https://i.example/l.png", "Logo")]
    assert read.emphasis == ["Sam"]


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://media.licdn.com/logo.png", "https://media.licdn.com/logo.png"),
        ("HTTPS://x.example/l.png", "HTTPS://x.example/l.png"),
        ("http://x.example/l.png", None),
        ("javascript:alert(1)", None),
        ("data:image/png;base64,AAAA", None),
        ("https://", None),
        ("https://x.example/a b.png", None),
        (None, None),
    ],
)
def test_logos_are_https_only(url, expected):
    assert https_url(url) == expected


def test_a_stored_logo_that_is_not_https_is_served_as_null(api, factories):
    factories.jobapp(api.user, company_logo="javascript:alert(1)")
    factories.jobapp(api.user, company_logo="http://plain.example/logo.png")
    secure = factories.jobapp(api.user, company_logo="https://secure.example/logo.png")
    logos = {app["id"]: app["companyLogo"] for app in assert_ok(api.get("/api/jobapps/get_jobapps"))}
    assert sorted(logos.values(), key=str) == [None, None, "https://secure.example/logo.png"]
    assert logos[secure.id] == "https://secure.example/logo.png"


def test_the_migration_sanitizes_mail_bodies_stored_before_it(scratch_database_url):
    engine = create_engine(scratch_database_url)
    try:
        upgrade(scratch_database_url, "0005")
        with engine.begin() as connection:
            user_id = connection.execute(
                text("INSERT INTO users (username, email) VALUES ('u', 'u@example.com') RETURNING id")
            ).scalar()
            connection.execute(
                text(
                    "INSERT INTO mails (user_id, msg_id, subject, body, date) "
                    "VALUES (:u, 'm1', 's', :body, now())"
                ),
                {"u": user_id, "body": '<p>hi</p><script>alert(1)</script><a href="javascript:x()">l</a>'},
            )
        upgrade(scratch_database_url)
        with engine.connect() as connection:
            body = connection.execute(text("SELECT body FROM mails")).scalar()
        assert body == '<p>hi</p><a rel="noopener noreferrer">l</a>'
        downgrade(scratch_database_url, "0005")
        upgrade(scratch_database_url)
    finally:
        engine.dispose()
