"""Periodic reporting jobs, declared by :func:`jobhax.metrics.includeme` (:func:`declare`): the refresh of
the reporting materialized views and the BI statement watchdog."""

from jobhax.config import ConfigurationError
from jobhax.metrics.refresh import cancel_overlong_bi_queries, refresh_reports
from jobhax.tasks import defer, job_environment

TASK_NAME = "jobhax.metrics.refresh_reports"
QUEUE = "reports"
PERIODIC_ID = "refresh-reports"
BI_WATCHDOG_TASK_NAME = "jobhax.metrics.cancel_overlong_bi_queries"
BI_WATCHDOG_CRON = "* * * * * */10"  # every 10 s: a BI statement ends within 70 s at most


def refresh_reports_task(context, timestamp: int):
    with job_environment(context).engine.begin() as connection:
        refresh_reports(connection)


def cancel_overlong_bi_queries_task(context, timestamp: int):
    """Holds BI logins to their statement timeout, which a BI session can lift for itself."""
    with job_environment(context).engine.begin() as connection:
        cancel_overlong_bi_queries(connection)


def refresh_cron(minutes):
    """A cron line for 'every ``minutes`` minutes' (1-59, or whole hours up to a day)."""
    if 1 <= minutes <= 59:
        return f"*/{minutes} * * * *"
    if minutes % 60 == 0 and 60 <= minutes <= 1440:
        return "0 0 * * *" if minutes == 1440 else f"0 */{minutes // 60} * * *"
    raise ConfigurationError(
        "jobhax.reports_refresh_minutes must be 1-59 or a whole number of hours up to 24"
    )


def declare(config):
    # One refresh at a time across all workers; a refresh missed while none ran is not replayed twice.
    config.add_task(
        refresh_reports_task, name=TASK_NAME, queue=QUEUE, queueing_lock=PERIODIC_ID, lock=PERIODIC_ID
    )
    minutes = config.get_settings()["jobhax.reports_refresh_minutes"]
    config.add_periodic_task(TASK_NAME, cron=refresh_cron(minutes), periodic_id=PERIODIC_ID)
    config.add_task(
        cancel_overlong_bi_queries_task, name=BI_WATCHDOG_TASK_NAME, queue=QUEUE, queueing_lock="bi-watchdog"
    )
    config.add_periodic_task(BI_WATCHDOG_TASK_NAME, cron=BI_WATCHDOG_CRON, periodic_id="bi-watchdog")


def queue_refresh(dbsession, now):
    """Refresh the materialized views soon (after an account is erased), unless a refresh already waits."""
    defer(
        dbsession,
        TASK_NAME,
        queue=QUEUE,
        lock=PERIODIC_ID,
        queueing_lock=PERIODIC_ID,
        timestamp=int(now.timestamp()),
    )
