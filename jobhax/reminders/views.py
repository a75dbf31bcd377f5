"""Reminder endpoints (/api/jobapps/*) and the calendar feed (/api/users/*)."""

from urllib.parse import urlencode

from jobhax.api import AUTHENTICATED, PUBLIC, ApiService
from jobhax.envelope import envelope
from jobhax.reminders import calendar, request_schemas, services
from jobhax.validation import body_validator, querystring_validator

AUTH = {"permission": AUTHENTICATED}
BODY = dict(validators=(body_validator,), **AUTH)
QUERY = dict(validators=(querystring_validator,), **AUTH)
FEED_PATH = "/api/users/calendar.ics"

add_reminder_service = ApiService(
    "add_reminder", "/api/jobapps/add_reminder", "Add a reminder to an application."
)
update_reminder_service = ApiService(
    "update_reminder", "/api/jobapps/update_reminder", "Change a reminder's time, text or done flag."
)
delete_reminder_service = ApiService("delete_reminder", "/api/jobapps/delete_reminder", "Delete a reminder.")
get_reminders_service = ApiService(
    "get_reminders",
    "/api/jobapps/get_reminders",
    "Open reminders, soonest first (optionally one application's).",
)
calendar_ics_service = ApiService(
    "calendar_ics",
    FEED_PATH,
    "The open reminders as an iCalendar feed (text/calendar). No bearer: the key is the credential.",
)
get_calendar_url_service = ApiService(
    "get_calendar_url", "/api/users/get_calendar_url", "The caller's calendar feed URL (secret)."
)
reset_calendar_key_service = ApiService(
    "reset_calendar_key",
    "/api/users/reset_calendar_key",
    "A new calendar feed URL; the old one stops working.",
)


def feed_url(request, key):
    return f"{request.application_url}{FEED_PATH}?{urlencode({'key': key})}"


@add_reminder_service.post(schema=request_schemas.AddReminderBody, **BODY)
def add_reminder(request):
    params = request.validated
    reminder = services.add_reminder(
        request.dbsession, request.authenticated_userid, params["jobapp_id"], params["due_at"], params["text"]
    )
    return envelope(services.reminder_json(reminder))


@update_reminder_service.post(schema=request_schemas.UpdateReminderBody, **BODY)
def update_reminder(request):
    changes = dict(request.validated)
    reminder_id = changes.pop("reminder_id")
    reminder = services.update_reminder(
        request.dbsession, request.authenticated_userid, reminder_id, **changes
    )
    return envelope(services.reminder_json(reminder))


@delete_reminder_service.post(schema=request_schemas.ReminderIdBody, **BODY)
def delete_reminder(request):
    services.delete_reminder(
        request.dbsession, request.authenticated_userid, request.validated["reminder_id"]
    )
    return envelope(None)


@get_reminders_service.get(schema=request_schemas.RemindersQuery, **QUERY)
def get_reminders(request):
    user_id = request.authenticated_userid
    jobapp_id = request.validated.get("jobapp_id")
    if jobapp_id is not None:
        services.require_jobapp(request.dbsession, user_id, jobapp_id)
    rows = services.open_reminders(request.dbsession, user_id, jobapp_id)
    return envelope([services.reminder_json(reminder) for reminder, _, _ in rows])


@calendar_ics_service.get(
    schema=request_schemas.CalendarQuery, validators=(querystring_validator,), permission=PUBLIC
)
def calendar_ics(request):
    owner = services.calendar_owner(request.dbsession, request.validated["key"])
    response = request.response
    response.content_type = "text/calendar"
    response.charset = "utf-8"
    response.body = calendar.feed(services.open_reminders(request.dbsession, owner))
    return response


@get_calendar_url_service.get(**AUTH)
def get_calendar_url(request):
    key = services.calendar_key(request.dbsession, request.registry.settings, request.authenticated_userid)
    return envelope({"url": feed_url(request, key)})


@reset_calendar_key_service.post(**AUTH)
def reset_calendar_key(request):
    key = services.reset_calendar_key(
        request.dbsession, request.registry.settings, request.authenticated_userid
    )
    return envelope({"url": feed_url(request, key)})
