"""Metrics endpoints (/api/metrics/*): the caller's counts, one SQL statement each, in the envelope."""

from jobhax.api import AUTHENTICATED, ApiService
from jobhax.clock import utc_today
from jobhax.envelope import envelope, json_text_response
from jobhax.metrics import queries

AUTH = dict(permission=AUTHENTICATED)

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
