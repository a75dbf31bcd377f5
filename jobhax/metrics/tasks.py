"""Periodic reporting jobs (scheduled by jobhax.worker.run_worker): the refresh of the materialized views
and the BI statement watchdog."""

from jobhax.metrics.refresh import cancel_overlong_bi_queries, refresh_reports
from jobhax.worker import app, environment

BI_WATCHDOG_CRON = "* * * * * */10"  # every 10 s: a BI statement ends within 70 s at most


@app.task(
    name="jobhax.metrics.refresh_reports",
    queue="reports",
    queueing_lock="refresh-reports",
    lock="refresh-reports",
)
def refresh_reports_task(timestamp: int):
    """One refresh at a time across all workers; a refresh missed while none ran is not replayed twice."""
    with environment().engine.begin() as connection:
        refresh_reports(connection)


@app.task(name="jobhax.metrics.cancel_overlong_bi_queries", queue="reports", queueing_lock="bi-watchdog")
def cancel_overlong_bi_queries_task(timestamp: int):
    """Holds BI logins to their statement timeout, which a BI session can lift for itself."""
    with environment().engine.begin() as connection:
        cancel_overlong_bi_queries(connection)
