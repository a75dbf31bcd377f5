"""Metrics endpoints (/api/metrics/*): the caller's counts, one SQL statement each, in the envelope."""

import datetime

from jobhax.api import api_service
from jobhax.envelope import envelope, json_text_response
from jobhax.metrics import queries

AUTH = dict(permission="authenticated")

total_count = api_service(
    "get_total_application_count",
    "/api/metrics/get_total_application_count",
    "How many live applications the caller has.",
)
count_by_month = api_service(
    "get_application_count_by_month",
    "/api/metrics/get_application_count_by_month",
    "The caller's applications per source over the last 12 calendar months (UTC).",
)
count_by_month_with_total = api_service(
    "get_application_count_by_month_with_total",
    "/api/metrics/get_application_count_by_month_with_total",
    "As get_application_count_by_month, plus a Total series.",
)
count_by_statuses = api_service(
    "get_count_by_statuses",
    "/api/metrics/get_count_by_statuses",
    "The caller's applications per current status, statuses in use only.",
)
word_count = api_service(
    "get_word_count",
    "/api/metrics/get_word_count",
    "The caller's applications per company, most frequent first.",
)
count_by_jobtitle_and_statuses = api_service(
    "get_count_by_jobtitle_and_statuses",
    "/api/metrics/get_count_by_jobtitle_and_statuses",
    "The caller's applications per job title and status.",
)


def utc_today():
    return datetime.datetime.now(datetime.UTC).date()


@total_count.get(**AUTH)
def show_total_count(request):
    return envelope(
        {"count": queries.total_application_count(request.dbsession, request.authenticated_userid)}
    )


@count_by_month.get(**AUTH)
def show_count_by_month(request):
    return envelope(
        queries.application_count_by_month(request.dbsession, request.authenticated_userid, utc_today())
    )


@count_by_month_with_total.get(**AUTH)
def show_count_by_month_with_total(request):
    return envelope(
        queries.application_count_by_month(
            request.dbsession, request.authenticated_userid, utc_today(), with_total=True
        )
    )


@count_by_statuses.get(**AUTH)
def show_count_by_statuses(request):
    return envelope(queries.count_by_statuses(request.dbsession, request.authenticated_userid))


@word_count.get(**AUTH)
def show_word_count(request):
    return json_text_response(
        request, queries.word_count_json(request.dbsession, request.authenticated_userid)
    )


@count_by_jobtitle_and_statuses.get(**AUTH)
def show_count_by_jobtitle_and_statuses(request):
    return json_text_response(
        request, queries.count_by_jobtitle_and_statuses_json(request.dbsession, request.authenticated_userid)
    )
