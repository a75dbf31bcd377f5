"""Webhooks: users' receivers, the events queued for them, and their signed, retried delivery."""


def includeme(config):
    config.include("jobhax.webhooks.tasks.declare")
    config.scan("jobhax.webhooks.views")
