"""Metrics endpoints (/api/metrics/*): the caller's counts, one SQL statement each (two when the word count
or title matrix has no stored answer: answer_cache.py), in the envelope."""

from jobhax.api import AUTHENTICATED, ApiService
from jobhax.clock import utc_today
from jobhax.envelope import envelope, json_text_response
from jobhax.metrics import insights, queries
from jobhax.metrics.request_schemas import InsightsQuery
from jobhax.validation import querystring_validator

AUTH = dict(permission=AUTHENTICATED)
INSIGHTS = dict(schema=InsightsQuery, validators=(querystring_validator,), **AUTH)

get_total_application_count_service = ApiService(
    "get_total_application_count",
    "/api/metrics/get_total_application_count",
    "How many live applications the caller has.",
)
get_application_count_by_month_service = ApiService(
    "get_application_count_by_month",
    "/api/metrics/get_application_count_by_month",
    "The caller's applications per source over the last 12 calendar months (UTC).",
)
get_application_count_by_month_with_total_service = ApiService(
    "get_application_count_by_month_with_total",
    "/api/metrics/get_application_count_by_month_with_total",
    "As get_application_count_by_month, plus a Total series.",
)
get_count_by_statuses_service = ApiService(
    "get_count_by_statuses",
    "/api/metrics/get_count_by_statuses",
    "The caller's applications per current status, statuses in use only.",
)
get_word_count_service = ApiService(
    "get_word_count",
    "/api/metrics/get_word_count",
    "The caller's applications per company, most frequent first.",
)
get_count_by_jobtitle_and_statuses_service = ApiService(
    "get_count_by_jobtitle_and_statuses",
    "/api/metrics/get_count_by_jobtitle_and_statuses",
    "The caller's applications per job title and status.",
)
get_funnel_service = ApiService(
    "get_funnel",
    "/api/metrics/get_funnel",
    "How far the caller's applications got: Applied, Phone Screen, Onsite Interview, Offer.",
)
get_response_stats_service = ApiService(
    "get_response_stats",
    "/api/metrics/get_response_stats",
    "How many of the caller's applications got an answer, and how fast, overall and per source.",
)
get_weekly_activity_service = ApiService(
    "get_weekly_activity",
    "/api/metrics/get_weekly_activity",
    "Applications and first responses per ISO week, the last 12 weeks (UTC).",
)

# Every metric endpoint, for the benchmark, the soak and the tests.
ENDPOINTS = tuple(
    service.name
    for service in (
        get_total_application_count_service,
        get_application_count_by_month_service,
        get_application_count_by_month_with_total_service,
        get_count_by_statuses_service,
        get_word_count_service,
        get_count_by_jobtitle_and_statuses_service,
        get_funnel_service,
        get_response_stats_service,
        get_weekly_activity_service,
    )
)


@get_total_application_count_service.get(**AUTH)
def get_total_application_count(request):
    return envelope(
        {"count": queries.total_application_count(request.dbsession, request.authenticated_userid)}
    )


@get_application_count_by_month_service.get(**AUTH)
def get_application_count_by_month(request):
    return envelope(
        queries.application_count_by_month(request.dbsession, request.authenticated_userid, utc_today())
    )


@get_application_count_by_month_with_total_service.get(**AUTH)
def get_application_count_by_month_with_total(request):
    return envelope(
        queries.application_count_by_month(
            request.dbsession, request.authenticated_userid, utc_today(), with_total=True
        )
    )


@get_count_by_statuses_service.get(**AUTH)
def get_count_by_statuses(request):
    return envelope(queries.count_by_statuses(request.dbsession, request.authenticated_userid))


@get_word_count_service.get(**AUTH)
def get_word_count(request):
    return json_text_response(
        request, queries.word_count_json(request.dbsession, request.authenticated_userid)
    )


@get_count_by_jobtitle_and_statuses_service.get(**AUTH)
def get_count_by_jobtitle_and_statuses(request):
    return json_text_response(
        request, queries.count_by_jobtitle_and_statuses_json(request.dbsession, request.authenticated_userid)
    )


def _days(request):
    return insights.Days(request.validated.get("from"), request.validated.get("to"))


@get_funnel_service.get(**INSIGHTS)
def get_funnel(request):
    return envelope(insights.funnel(request.dbsession, request.authenticated_userid, _days(request)))


@get_response_stats_service.get(**INSIGHTS)
def get_response_stats(request):
    return envelope(insights.response_stats(request.dbsession, request.authenticated_userid, _days(request)))


@get_weekly_activity_service.get(**INSIGHTS)
def get_weekly_activity(request):
    return envelope(
        insights.weekly_activity(request.dbsession, request.authenticated_userid, _days(request), utc_today())
    )
