"""The one clock: aware UTC datetimes. Rules take ``now`` from their caller where tests need to pin it."""

import datetime


def utcnow():
    return datetime.datetime.now(datetime.UTC)


def utc_today():
    return utcnow().date()
