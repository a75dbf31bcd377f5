"""Metrics about the caller's job search (/api/metrics/*), read from the counters of schema ``metrics``,
and the periodic refresh of the reporting materialized views."""

from jobhax.metrics import tasks


def includeme(config):
    tasks.declare(config)
    config.scan(__name__)
