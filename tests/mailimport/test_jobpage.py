"""LinkedIn job pages: the legacy JSON modules, the schema.org JobPosting fallback, junk, job ids."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobhax.mailimport.jobpage import job_id_from_link, parse_job_page

PAGE = (
    Path(__file__).resolve().parent.parent / "fixtures" / "linkedin" / "jobs_view_1063402231.html"
).read_text()
EMPTY = {"poster_information": {}, "decorated_job_posting": {}, "top_card_v2": {}}
JOB_POSTING = {
    "@context": "http://schema.org",
    "@type": "JobPosting",
    "title": "Dev",
    "hiringOrganization": {"@type": "Organization", "name": "Acme"},
}


def code(module, value):
    return f'<code id="{module}" style="display: none"><!--{json.dumps(value)}--></code>'


def json_ld(value, kind="application/ld+json"):
    return f'<script type="{kind}">{json.dumps(value)}</script>'


def test_fixture_page():
    page = parse_job_page(PAGE)
    assert page == {
        "poster_information": {
            "firstName": "Mahyar",
            "lastName": "M.",
            "headline": "CTO at OpenPhone",
            "vanityName": "mahyar",
        },
        "decorated_job_posting": {
            "jobPosting": {
                "title": "Lead Android Engineer",
                "companyName": "OpenPhone",
                "formattedLocation": "San Francisco, CA, US",
                "listedAt": 1547539200000,
            },
            "applies": 211,
            "formattedEmploymentStatus": "Full-time",
            "formattedIndustries": ["Computer Software"],
        },
        "top_card_v2": {
            "companyName": "OpenPhone",
            "applicantCount": 211,
            "formattedLocation": "San Francisco, CA, US",
        },
    }


def test_fixture_page_without_the_decorated_module_falls_back_to_json_ld():
    start = PAGE.index('<code id="decoratedJobPostingModule"')
    page = parse_job_page(PAGE[:start] + PAGE[PAGE.index("</code>", start) + len("</code>") :])
    posting = page["decorated_job_posting"]
    assert posting["@type"] == "JobPosting"
    assert posting["title"] == "Lead Android Engineer"
    assert posting["hiringOrganization"]["name"] == "OpenPhone"
    assert (
        posting["description"]
        == "&lt;p&gt;We are looking for a lead Android engineer to build the OpenPhone app.&lt;/p&gt;"
    )
    assert page["poster_information"]["firstName"] == "Mahyar"
    assert page["top_card_v2"]["applicantCount"] == 211


@pytest.mark.parametrize(
    "block",
    [
        json_ld(JOB_POSTING),
        json_ld(JOB_POSTING, kind="Application/LD+JSON "),
        json_ld([{"@type": "Organization", "name": "Acme"}, JOB_POSTING]),
        json_ld({"@context": "http://schema.org", "@graph": [{"@type": "WebPage"}, JOB_POSTING]}),
        json_ld({"@type": "BreadcrumbList"}) + json_ld(JOB_POSTING),
        '<script type="application/ld+json">{broken</script>' + json_ld(JOB_POSTING),
    ],
)
def test_json_ld_job_posting_in_any_arrangement(block):
    page = parse_job_page(f"<html><head>{block}</head><body></body></html>")
    assert page == {**EMPTY, "decorated_job_posting": JOB_POSTING}


def test_json_ld_with_several_types():
    posting = {**JOB_POSTING, "@type": ["JobPosting", "Thing"]}
    assert parse_job_page(json_ld(posting))["decorated_job_posting"] == posting


def test_json_ld_without_job_posting_is_empty():
    assert parse_job_page(json_ld({"@type": "Organization"}) + json_ld([1, "x"])) == EMPTY


def test_scripts_of_other_types_are_ignored():
    assert parse_job_page(json_ld(JOB_POSTING, kind="text/javascript")) == EMPTY


def test_decorated_module_wins_over_json_ld():
    html = json_ld(JOB_POSTING) + code("decoratedJobPostingModule", {"jobPosting": {"title": "Module"}})
    assert parse_job_page(html)["decorated_job_posting"] == {"jobPosting": {"title": "Module"}}


def test_module_as_escaped_text_instead_of_a_comment():
    html = '<code id="topCardV2Module">{&quot;companyName&quot;:&quot;AT&amp;T&quot;}</code>'
    assert parse_job_page(html)["top_card_v2"] == {"companyName": "AT&T"}


def test_module_json_with_non_ascii_and_whitespace():
    html = '<code id="posterInformationModule">\n  <!--{"firstName": "Zoë 🚀"}-->\n</code>'
    assert parse_job_page(html)["poster_information"] == {"firstName": "Zoë 🚀"}


def test_first_module_with_an_id_wins():
    html = code("topCardV2Module", {"n": 1}) + code("topCardV2Module", {"n": 2})
    assert parse_job_page(html)["top_card_v2"] == {"n": 1}


def test_other_code_blocks_are_ignored():
    html = code("viewJobMetaTagModule", {"title": "x"}) + '<code>{"a": 1}</code>'
    assert parse_job_page(html) == EMPTY


@pytest.mark.parametrize(
    "content",
    ["<!--{broken-->", "<!--[1, 2]-->", '<!--"text"-->', "<!---->", "", "<!--" + "[" * 100000 + "-->"],
)
def test_module_without_a_json_object_is_empty(content):
    html = f'<code id="topCardV2Module">{content}</code>' + code("posterInformationModule", {"ok": True})
    assert parse_job_page(html) == {**EMPTY, "poster_information": {"ok": True}}


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "   ",
        "not html at all",
        "<<<>>>",
        "<code id='topCardV2Module'><!--",
        "<script type='application/ld+json'>",
        "<!DOCTYPE",
        "<![CDATA[",
        "</code></script>",
        "\x00\x01\ufffd",
        "<a href='",
        "&#xffffffff;&#0;",
        None,
        b"<html>",
    ],
)
def test_junk_never_raises(junk):
    assert parse_job_page(junk) == EMPTY


PIECES = st.sampled_from(
    [
        *list("<>!-/=\"' {}[]:,&#;acdeiopstx"),
        "code",
        "script",
        "id=",
        "topCardV2Module",
        "application/ld+json",
        "JobPosting",
        "@type",
        "<!--",
        "-->",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=80).map("".join))
def test_any_text_gives_three_dicts(junk):
    page = parse_job_page(junk)
    assert set(page) == set(EMPTY)
    assert all(isinstance(value, dict) for value in page.values())


@pytest.mark.parametrize(
    "text, job_id",
    [
        ("https://www.linkedin.com/jobs/view/1063402231/", "1063402231"),
        ("https://www.linkedin.com/jobs/view/1063402231", "1063402231"),
        (
            "https://www.linkedin.com/comm/jobs/view/1063402231?trk=eml-jobs_applied_confirmation&refId=abc",
            "1063402231",
        ),
        (
            "https://www.linkedin.com/jobs/view/lead-android-engineer-at-openphone-1063402231/?trk=x",
            "1063402231",
        ),
        ("http://linkedin.com/jobs/view/42#top", "42"),
        ("Apply here: <https://www.linkedin.com/jobs/view/77/> now", "77"),
        ("first /jobs/view/1/ then /jobs/view/2/", "1"),
        ("https://www.linkedin.com/jobs/view/abc/", None),
        ("https://www.linkedin.com/jobs/view/123abc", None),
        ("https://www.linkedin.com/jobs/search/?keywords=android", None),
        ("https://www.linkedin.com/company/1063402231", None),
        ("", None),
        (None, None),
    ],
)
def test_job_id_from_link(text, job_id):
    assert job_id_from_link(text) == job_id
