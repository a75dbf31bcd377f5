"""The Gmail import as a procrastinate job: one per user at a time, retried with backoff while Google is busy.

Declared by :func:`jobhax.mailimport.includeme` (:func:`declare`); jobs are deferred by
:func:`jobhax.mailimport.services.queue_import` with ``lock`` and ``queueing_lock`` set to
:func:`user_lock`, so a user's imports never run side by side and at most one waits.
"""

import procrastinate
from procrastinate.retry import RetryDecision

from jobhax.mailimport import importer
from jobhax.providers import ProviderUnavailable
from jobhax.tasks import job_environment

TASK_NAME = "jobhax.mailimport.import_gmail"
QUEUE = "mailimport"
MAX_ATTEMPTS = 8  # retries after the first run: with the default 2 s base, about 8.5 minutes in all
MAX_WAIT = 15 * 60.0


def user_lock(user_id):
    return f"mailimport:{user_id}"


def backoff(base, attempts, retry_after=None):
    """Seconds before the next attempt: ``base`` doubled per attempt so far, at least Google's Retry-After."""
    wait = base * 2**attempts
    if retry_after is not None:
        wait = max(wait, retry_after)
    return min(wait, MAX_WAIT)


class ImportRetry(procrastinate.RetryStrategy):
    """Procrastinate's strategy for which exceptions and how often; waits from :func:`backoff`."""

    def __init__(self, base_seconds, **options):
        super().__init__(**options)
        self.base_seconds = base_seconds

    def get_retry_decision(self, *, exception, job):
        if super().get_retry_decision(exception=exception, job=job) is None:
            return None
        wait = backoff(self.base_seconds, job.attempts, getattr(exception, "retry_after", None))
        return RetryDecision(retry_in={"seconds": wait})


def is_last_attempt(attempts):
    """``attempts`` is the number of earlier runs, as procrastinate counts them."""
    return attempts >= MAX_ATTEMPTS


def import_gmail(context, user_id: int):
    env = job_environment(context)
    try:
        importer.run_import(env, user_id)
    except ProviderUnavailable:
        if is_last_attempt(context.job.attempts):
            importer.fail(env, user_id, importer.GOOGLE_UNAVAILABLE)
        raise


def declare(config):
    """The import task, its retry waits from ``jobhax.import_retry_seconds``."""
    retry = ImportRetry(
        config.get_settings()["jobhax.import_retry_seconds"],
        max_attempts=MAX_ATTEMPTS,
        retry_exceptions=[ProviderUnavailable],
    )
    config.add_task(import_gmail, name=TASK_NAME, queue=QUEUE, retry=retry)
