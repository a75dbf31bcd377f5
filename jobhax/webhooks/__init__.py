"""Webhooks: users' receivers, the events queued for them, and their signed, retried delivery."""


def includeme(config):
    config.scan("jobhax.webhooks.views")
