"""Reading Gmail message resources: headers in any case, bodies in any nesting and charset, dates."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from jobhax.mailimport.message import header, html_body, message_date, text_body
from tests.mailimport.builder import alternative, html, message, mixed, part, related, text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "gmail"


def fixture(name):
    return json.loads((FIXTURES / name).read_text())


@pytest.mark.parametrize("name", ["Subject", "subject", "SUBJECT", "sUbJeCt"])
def test_header_names_match_in_any_case(name):
    msg = message(html("<p>x</p>"), headers=[("X-Other", "no")], subject="Hello")
    assert header(msg, name) == "Hello"


def test_header_given_in_lowercase_is_found():
    msg = message(html("x"), date=None, headers=[("date", "Tue, 1 Jan 2019 00:00:00 +0000")])
    assert header(msg, "Date") == "Tue, 1 Jan 2019 00:00:00 +0000"


def test_header_first_match_wins():
    msg = message(html("x"), subject=None, headers=[("Subject", "first"), ("SUBJECT", "second")])
    assert header(msg, "subject") == "first"


def test_header_absent_is_none():
    assert header(message(html("x")), "Reply-To") is None


def test_part_headers_are_not_message_headers():
    msg = message(alternative(html("x")))
    assert header(msg, "Content-Type") is None


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        [],
        "text",
        42,
        {},
        {"payload": None},
        {"payload": "x"},
        {"payload": {"headers": "x"}},
        {
            "payload": {
                "headers": [None, 1, "From", {"name": "From"}, {"value": "x"}, {"name": 1, "value": 2}]
            }
        },
    ],
)
def test_header_of_garbage_is_none(garbage):
    assert header(garbage, "From") is None


def test_bodies_of_the_fixtures():
    indeed = fixture("indeed_application.json")
    assert html_body(indeed).startswith("<html><body><div>\n<p>Your application has been submitted.</p>")
    assert (
        text_body(indeed) == "Your application has been submitted. Android Developer. Updates from Genuent."
    )
    hired = fixture("hired_interview_request.json")
    assert "would like to interview you" in html_body(hired)
    assert text_body(hired) == ""


HTML = "<p>Caf\u00e9 \U0001f916</p>"
TEXT = "Caf\u00e9 \U0001f916"


@pytest.mark.parametrize(
    "payload",
    [
        html(HTML),
        html(HTML, padded=True),
        html(HTML, charset=None),
        alternative(text(TEXT), html(HTML)),
        alternative(html(HTML), text(TEXT)),
        mixed(alternative(text(TEXT), html(HTML)), part("application/pdf", b"%PDF", filename="cv.pdf")),
        mixed(related(alternative(text(TEXT), html(HTML)), part("image/png", b"\x89PNG", filename="a.png"))),
        mixed(part("multipart/alternative", parts=[mixed(related(html(HTML)))])),
        mixed(html("<p>attached</p>", filename="old.html"), html(HTML)),
        mixed(html("<p>attached</p>", headers=[("Content-Disposition", "attachment")]), html(HTML)),
        mixed(part("text/html", None, headers=[]), html(HTML)),
    ],
    ids=[
        "single",
        "padded",
        "no-charset",
        "alt",
        "alt-html-first",
        "mixed-alt",
        "mixed-related-alt",
        "deep",
        "skips-attachment-by-name",
        "skips-attachment-by-disposition",
        "skips-empty-part",
    ],
)
def test_html_body_found_in_any_nesting(payload):
    assert html_body(message(payload)) == HTML


@pytest.mark.parametrize(
    "payload",
    [
        text(TEXT),
        alternative(text(TEXT), html(HTML)),
        mixed(alternative(html(HTML), text(TEXT))),
    ],
)
def test_text_body_found_in_any_nesting(payload):
    assert text_body(message(payload)) == TEXT


def test_text_only_message_has_no_html_body():
    msg = message(text(TEXT))
    assert html_body(msg) == ""
    assert text_body(msg) == TEXT


def test_html_only_message_has_no_text_body():
    assert text_body(message(html(HTML))) == ""


def test_first_html_part_wins():
    assert html_body(message(mixed(html("<p>one</p>"), html("<p>two</p>")))) == "<p>one</p>"


@pytest.mark.parametrize(
    "charset, content",
    [
        ("ISO-8859-1", "Ing\u00e9nieur \u00e0 Montr\u00e9al"),
        ("iso-8859-1", "Ing\u00e9nieur"),
        ("latin1", "Ing\u00e9nieur"),
        ("windows-1252", "\u201cSenior\u201d \u2013 Caf\u00e9"),
        ("utf-8", "\u65e5\u672c\u8a9e \U0001f680"),
        ("UTF-16", "\u00fcber"),
    ],
)
def test_charset_from_content_type(charset, content):
    assert html_body(message(html(content, charset=charset))) == content


def test_content_type_header_in_any_case():
    payload = html(
        "Caf\u00e9".encode("latin-1"), headers=[("content-type", 'TEXT/HTML; CHARSET="ISO-8859-1"')]
    )
    assert html_body(message(payload)) == "Caf\u00e9"


def test_part_without_headers_is_read_as_utf8():
    assert html_body(message(html("Caf\u00e9".encode(), headers=[]))) == "Caf\u00e9"


def test_unknown_charset_falls_back_to_utf8():
    payload = html("Caf\u00e9".encode(), headers=[("Content-Type", "text/html; charset=x-unknown-9")])
    assert html_body(message(payload)) == "Caf\u00e9"


def test_bytes_invalid_in_the_charset_are_replaced_not_fatal():
    payload = html(b"ok \xff\xfe end", headers=[("Content-Type", "text/html; charset=utf-8")])
    assert html_body(message(payload)) == "ok \ufffd\ufffd end"


@pytest.mark.parametrize(
    "data, expected",
    [
        ("PHA-YTwvcD4", "<p>a</p>"),
        ("PHA-YTwvcD4=", "<p>a</p>"),
        ("PHA+YTwvcD4=", "<p>a</p>"),
        ("PHA-\nYTwv\r\ncD4", "<p>a</p>"),
        ("P_8", "?\ufffd"),
    ],
)
def test_base64url_with_or_without_padding(data, expected):
    payload = html("x")
    payload["body"]["data"] = data
    assert html_body(message(payload)) == expected


@pytest.mark.parametrize("data", ["@@@", "A", 12, None])
def test_undecodable_data_is_skipped(data):
    broken = html("x")
    broken["body"]["data"] = data
    assert html_body(message(mixed(broken, html("<p>good</p>")))) == "<p>good</p>"


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        "x",
        [],
        {},
        {"payload": []},
        {"payload": {"parts": "x"}},
        {"payload": {"parts": [None, 3]}},
        {"payload": {"mimeType": 5, "body": "x"}},
        {"payload": {"mimeType": "text/html", "body": {"data": 5}}},
    ],
)
def test_bodies_of_garbage_are_empty(garbage):
    assert html_body(garbage) == ""
    assert text_body(garbage) == ""


@pytest.mark.parametrize(
    "value, expected",
    [
        ("Wed, 23 Jan 2019 14:18:12 +0000", datetime(2019, 1, 23, 14, 18, 12, tzinfo=UTC)),
        ("Wed, 23 Jan 2019 14:18:12 +0000 (UTC)", datetime(2019, 1, 23, 14, 18, 12, tzinfo=UTC)),
        ("23 Jan 2019 14:18:12 +0000", datetime(2019, 1, 23, 14, 18, 12, tzinfo=UTC)),
        ("Wed, 23 Jan 2019 14:18:12 GMT", datetime(2019, 1, 23, 14, 18, 12, tzinfo=UTC)),
        ("Wed, 23 Jan 2019 14:18:12 UT", datetime(2019, 1, 23, 14, 18, 12, tzinfo=UTC)),
        ("Fri, 8 Feb 2019 10:20:00 -0800", datetime(2019, 2, 8, 18, 20, tzinfo=UTC)),
        ("Fri, 08 Feb 2019 10:20:00 -0800 (PST)", datetime(2019, 2, 8, 18, 20, tzinfo=UTC)),
        ("Wed, 23 Jan 2019 09:18:12 EST", datetime(2019, 1, 23, 14, 18, 12, tzinfo=UTC)),
        ("Wed, 23 Jan 2019 19:48:12 +0530", datetime(2019, 1, 23, 14, 18, 12, tzinfo=UTC)),
        ("Thu, 24 Jan 2019 01:18:12 +1100", datetime(2019, 1, 23, 14, 18, 12, tzinfo=UTC)),
        ("Wed, 23 Jan 2019 14:18 +0000", datetime(2019, 1, 23, 14, 18, tzinfo=UTC)),
        ("Wed, 23 Jan 19 14:18:12 +0000", datetime(2019, 1, 23, 14, 18, 12, tzinfo=UTC)),
        ("Wed, 23 Jan 2019 14:18:12 -0000", datetime(2019, 1, 23, 14, 18, 12, tzinfo=UTC)),
        ("  Wed,  23  Jan  2019\r\n 14:18:12   +0000  ", datetime(2019, 1, 23, 14, 18, 12, tzinfo=UTC)),
        ("Mon, 31 Dec 2018 23:30:00 -0100", datetime(2019, 1, 1, 0, 30, tzinfo=UTC)),
    ],
)
def test_date_header_in_any_rfc2822_form(value, expected):
    got = message_date(message(html("x"), date=value, internal_date="0"))
    assert got == expected
    assert got.utcoffset().total_seconds() == 0


def test_date_header_name_in_any_case():
    msg = message(
        html("x"), date=None, headers=[("DATE", "Wed, 23 Jan 2019 14:18:12 +0000")], internal_date=0
    )
    assert message_date(msg) == datetime(2019, 1, 23, 14, 18, 12, tzinfo=UTC)


@pytest.mark.parametrize("date", [None, "", "yesterday", "Wed, 99 Foo 2019 99:99:99 +0000", "Feb 30 2019"])
@pytest.mark.parametrize("internal_date", ["1551398400000", 1551398400000])
def test_missing_or_invalid_date_uses_internal_date(date, internal_date):
    msg = message(html("x"), date=date)
    msg["internalDate"] = internal_date
    assert message_date(msg) == datetime(2019, 3, 1, tzinfo=UTC)


def test_internal_date_keeps_milliseconds():
    msg = message(html("x"), date=None, internal_date="1551398400250")
    assert message_date(msg) == datetime(2019, 3, 1, 0, 0, 0, 250000, tzinfo=UTC)


def test_fixture_without_date_header_uses_internal_date():
    assert message_date(fixture("linkedin_applied_no_date_header.json")) == datetime(2019, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize("internal_date", [None, "", "soon", True, [], "99999999999999999999999"])
def test_no_usable_date_raises_value_error(internal_date):
    msg = message(html("x"), date="not a date", internal_date=None)
    if internal_date is not None:
        msg["internalDate"] = internal_date
    with pytest.raises(ValueError):
        message_date(msg)


@pytest.mark.parametrize("garbage", [None, [], "x", {}])
def test_date_of_garbage_raises_value_error(garbage):
    with pytest.raises(ValueError):
        message_date(garbage)
