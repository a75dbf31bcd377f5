"""Jobs of a worker that died (SIGKILL, out of memory, a lost machine) run again on a live worker.

Procrastinate leaves such a job in 'doing' for ever, and with it the user's import lock: the import
would never finish and sync_user_emails would never queue another. Every worker sends a heartbeat six
times per ``jobhax.worker_stalled_seconds``; a periodic job puts back in its queue every job still
'doing' on a worker silent for that long (procrastinate's stalled-jobs recipe). The Gmail import then
resumes: what the dead worker committed stays, and nothing is created twice.
"""

import logging

from jobhax.tasks import job_environment

log = logging.getLogger(__name__)

TASK_NAME = "jobhax.retry_stalled_jobs"
PERIODIC_ID = "retry-stalled-jobs"
HEARTBEATS_PER_PERIOD = 6


async def retry_stalled_jobs(context, timestamp):
    seconds = job_environment(context).settings["jobhax.worker_stalled_seconds"]
    for job in await context.app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds):
        log.warning("job %s (%s) of a silent worker is queued again", job.id, job.task_name)
        await context.app.job_manager.retry_job(job)


def check_cron(stalled_seconds):
    """Look twice per period: every minute at most, in seconds (cron's sixth field) below that."""
    every = max(1, int(stalled_seconds // 2))
    return "* * * * *" if every >= 60 else f"* * * * * */{every}"


def worker_options(settings):
    """The worker's heartbeat options for ``settings``."""
    stalled = settings["jobhax.worker_stalled_seconds"]
    return {"update_heartbeat_interval": stalled / HEARTBEATS_PER_PERIOD, "stalled_worker_timeout": stalled}


def includeme(config):
    config.add_task(retry_stalled_jobs, name=TASK_NAME, queueing_lock=TASK_NAME)
    config.add_periodic_task(
        TASK_NAME,
        cron=check_cron(config.get_settings()["jobhax.worker_stalled_seconds"]),
        periodic_id=PERIODIC_ID,
    )
