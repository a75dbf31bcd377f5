"""Domains declare their tasks and periodic jobs from their includeme; a worker's app runs them."""

import procrastinate
import pytest
from pyramid.exceptions import ConfigurationConflictError

from jobhax import configure
from jobhax.tasks import job_app


def test_the_worker_app_runs_every_declared_task_and_periodic_job(app):
    worker_app = job_app(app.registry, procrastinate.PsycopgConnector())
    assert set(worker_app.tasks) >= {
        "jobhax.mailimport.import_gmail",
        "jobhax.metrics.refresh_reports",
        "jobhax.metrics.cancel_overlong_bi_queries",
        "jobhax.retry_stalled_jobs",
    }
    periodic = set(worker_app.periodic_registry.periodic_tasks)
    assert periodic == {
        ("jobhax.metrics.refresh_reports", "refresh-reports"),
        ("jobhax.metrics.cancel_overlong_bi_queries", "bi-watchdog"),
        ("jobhax.retry_stalled_jobs", "retry-stalled-jobs"),
    }


def test_two_domains_declaring_one_task_name_conflict_at_start(settings):
    def another_domain(config):
        config.add_task(lambda context: None, name="jobhax.mailimport.import_gmail")

    config = configure(settings)
    config.include(another_domain)
    with pytest.raises(ConfigurationConflictError):
        config.commit()


def test_a_periodic_job_of_an_undeclared_task_is_refused(settings):
    config = configure(settings)
    config.add_periodic_task("jobhax.nowhere", cron="* * * * *", periodic_id="nowhere")
    config.commit()
    with pytest.raises(LookupError, match=r"jobhax\.nowhere"):
        job_app(config.registry, procrastinate.PsycopgConnector())
