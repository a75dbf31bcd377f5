"""Mailboxes for the import tests: the shared fixtures, and generated applications of every source."""

import json
from pathlib import Path

from tests.fakeprovider import gmail_message

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GMAIL = FIXTURES / "gmail"
JOB_ID = "1063402231"
# 2019-01-01T00:00:00Z: generated messages are spread over the following days.
BASE_MS = 1546300800000


def expected():
    """EXPECTED.json's applications (the newsletter, which creates nothing, left out)."""
    return [entry for entry in json.loads((GMAIL / "EXPECTED.json").read_text()) if entry["source"]]


def fixture_messages():
    return [
        json.loads(path.read_text()) for path in sorted(GMAIL.glob("*.json")) if path.name != "EXPECTED.json"
    ]


def job_page_html():
    return (FIXTURES / "linkedin" / f"jobs_view_{JOB_ID}.html").read_text()


def fill_fixture_mailbox(provider, token):
    """The shared fixture messages in ``token``'s mailbox and the LinkedIn job page they link to."""
    for message in fixture_messages():
        provider.add_message(token, message)
    provider.add_job_page(JOB_ID, job_page_html())


def application(n, internal_date_ms=None):
    """Application message number ``n``: the four sources in turn, dated ``n`` minutes after BASE_MS."""
    when = internal_date_ms if internal_date_ms is not None else BASE_MS + n * 60_000
    kinds = [
        dict(
            sender="LinkedIn <jobs-noreply@linkedin.com>",
            subject=f"You applied for Engineer {n} at Acme {n}",
            html=f"<p>Your application was sent to Acme {n}</p>"
            f'<a href="https://www.linkedin.com/comm/jobs/view/{900000 + n}/">Engineer {n}</a>',
        ),
        dict(
            sender="Hired <reply@hired.com>",
            subject=f"Interview Request: Developer {n} at Hirer {n} ($120k)",
            html="<p>Hello</p>",
        ),
        dict(
            sender="indeedapply@indeed.com",
            subject=f"Indeed Application: Analyst {n}",
            html=f"<p>You will get updates from Indeedco {n} on this application.</p>",
        ),
        dict(
            sender="Vettery <talent@connect.vettery.com>",
            subject=f"Interview Request from Vetco {n}",
            html=f"<p>Role: Designer {n}</p>",
        ),
    ]
    return gmail_message(msg_id=f"gen{n:06d}", internal_date_ms=when, date_header=None, **kinds[n % 4])


def unparseable(n):
    """From a known source and shaped like an application, but without a company: skipped and counted."""
    return gmail_message(
        sender="jobs-noreply@linkedin.com",
        subject=f"You applied for Engineer {n}",
        html="<p>nothing here</p>",
        msg_id=f"bad{n:06d}",
        internal_date_ms=BASE_MS + n * 60_000,
    )


def fill_generated_mailbox(provider, token, count, start=0):
    for n in range(start, start + count):
        provider.add_message(token, application(n))


def mixed(n, internal_date_ms=None):
    """Message number ``n`` of a mailbox of every kind, dated ``n`` minutes after BASE_MS: the four 2019
    sources, ATS confirmations, interviews, rejections and offers about them, newsletters."""
    when = internal_date_ms if internal_date_ms is not None else BASE_MS + n * 60_000
    kind, company = n % 10, f"Employer {n // 10}"
    if kind < 4:
        return application(n, when)
    kinds = {
        4: dict(
            sender=f"{company} Recruiting <no-reply@greenhouse-mail.io>",
            subject=f"Thank you for applying to {company}",
            html=f"<p>We received your application for the <b>Engineer {n // 10}</b> role.</p>",
        ),
        5: dict(
            sender=f"{company} <no-reply@hire.lever.co>",
            subject=f"Your application to {company}",
            html=f"<p>Thanks for applying for Analyst {n // 10} and we will be in touch.</p>",
        ),
        6: dict(
            sender=f"Dana from {company} <dana@employer{n // 10}.example>",
            subject=f"{company}: next steps for Engineer {n // 10}",
            html="<p>We'd love to schedule a 30-minute phone screen: calendly.com/x</p>",
        ),
        7: dict(
            sender=f"{company} <no-reply@hire.lever.co>",
            subject=f"Update on your {company} application",
            html=f"<p>Thank you for applying for Analyst {n // 10}. Unfortunately, we will not be moving"
            " forward.</p>",
        ),
        8: dict(
            sender=f"{company} <no-reply@ashbyhq.com>",
            subject=f"Your offer from {company}",
            html="<p>We are thrilled to extend you an offer. Your offer letter is attached.</p>",
        ),
        9: dict(
            sender="Greenhouse <news@greenhouse.io>",
            subject="5 tips to ace your next interview",
            html="<p>Our monthly newsletter.</p>",
        ),
    }
    return gmail_message(msg_id=f"mix{n:06d}", internal_date_ms=when, date_header=None, **kinds[kind])
