import pytest

from tests.smtpserver import SmtpServer

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
