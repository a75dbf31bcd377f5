"""Webhooks: users' receivers, the events queued for them, and their signed, retried delivery."""

from jobhax.webhooks import tasks


def includeme(config):
    tasks.declare(config)
    config.scan("jobhax.webhooks.views")
