"""Job applications, their statuses and history, notes and job postings."""


def includeme(config):
    config.scan(__name__)
