"""Metrics about the caller's job search (/api/metrics/*), computed by the views of schema ``reporting``."""


def includeme(config):
    config.scan(__name__)
