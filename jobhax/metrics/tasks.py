"""The periodic refresh of the reporting materialized views (scheduled by jobhax.worker.run_worker)."""

from jobhax.metrics.refresh import refresh_reports
from jobhax.worker import app, defer, environment


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


def queue_refresh(dbsession, now):
    """Refresh the materialized views soon (after an account is erased), unless a refresh already waits."""
    defer(
        dbsession,
        "jobhax.metrics.refresh_reports",
        queue="reports",
        lock="refresh-reports",
        queueing_lock="refresh-reports",
        timestamp=int(now.timestamp()),
    )
