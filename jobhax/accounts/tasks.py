"""The account mail job, declared by :func:`jobhax.accounts.includeme` (:func:`declare`): it sends what
:mod:`jobhax.accounts.mails` queues, retrying SMTP failures with backoff."""

import logging

import procrastinate
from procrastinate.retry import RetryDecision

from jobhax.accounts.mails import QUEUE, TASK_NAME, send_account_mail_now
from jobhax.mail import transport
from jobhax.tasks import job_environment

log = logging.getLogger(__name__)

# With the default 5 s base: retries after 5 s, 10 s, 20 s … capped at an hour, about 16 hours in all.
MAX_ATTEMPTS = 20
MAX_WAIT = 3600.0


class MailRetry(procrastinate.RetryStrategy):
    """SMTP failures are retried: ``base_seconds`` doubled per attempt, at most an hour between tries; a
    recipient the server refuses for good is not."""

    def __init__(self, base_seconds, **options):
        super().__init__(**options)
        self.base_seconds = base_seconds

    def get_retry_decision(self, *, exception, job):
        if super().get_retry_decision(exception=exception, job=job) is None:
            return None
        if transport.is_permanent(exception):
            log.warning("mail job %s: the SMTP server refused the recipient for good, not retried", job.id)
            return None
        return RetryDecision(retry_in={"seconds": min(self.base_seconds * 2**job.attempts, MAX_WAIT)})


def send_account_mail(context, purpose: str, user_id: int | None = None, email: str | None = None):
    env = job_environment(context)
    with env.transaction() as dbsession:
        send_account_mail_now(dbsession, env.settings, purpose, user_id=user_id, email=email)


def declare(config):
    retry = MailRetry(
        config.get_settings()["jobhax.mail_retry_seconds"],
        max_attempts=MAX_ATTEMPTS,
        retry_exceptions=list(transport.SEND_ERRORS),
    )
    config.add_task(send_account_mail, name=TASK_NAME, queue=QUEUE, retry=retry)
