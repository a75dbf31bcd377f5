import pytest
from sqlalchemy import select

from jobhax.accounts.models import EmailToken
from jobhax.accounts.secrets import digest
from tests.smtpserver import SmtpServer
from tests.workers import wait_until

WEB_BASE_URL = "https://app.jobhax.test"


@pytest.fixture(scope="session")
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server):
    """The SMTP server every mail worker of the test sends to, emptied and running."""
    smtp_server.clear()
    if not smtp_server.running:
        smtp_server.start()
    yield smtp_server
    if not smtp_server.running:
        smtp_server.start()


def mail_worker_env(smtp_server):
    return {
        "JOBHAX_SMTP_URL": smtp_server.url,
        "JOBHAX_SMTP_TIMEOUT": "5",
        "JOBHAX_MAIL_RETRY_SECONDS": "0.2",
        "JOBHAX_WEB_BASE_URL": WEB_BASE_URL,
        "JOBHAX_MAIL_FROM": "JobHax <no-reply@jobhax.test>",
    }


@pytest.fixture
def mail_worker(start_worker, smtp):
    """A real `jobhax worker` that sends mail through ``smtp``."""
    return start_worker(concurrency=2, extra_env=mail_worker_env(smtp))


def delivered(smtp, db, address, count=1):
    """The mails to ``address`` once ``count`` arrived and their job committed their tokens."""
    received = smtp.wait_for(address, count=count)
    wait_stored(db, [mail.token for mail in received])
    return received


def wait_stored(db, tokens):
    """The job hands a mail over inside its transaction, then commits: a link can arrive a moment before its
    token is stored (as it could for a very quick reader)."""
    digests = {digest(token) for token in tokens}

    def stored():
        db.rollback()
        return digests <= set(
            db.scalars(select(EmailToken.token_hash).where(EmailToken.token_hash.in_(digests)))
        )

    wait_until(stored, message="the mailed tokens committed")
