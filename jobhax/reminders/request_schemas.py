import colander

from jobhax.jobapps.request_schemas import JobappQuery
from jobhax.reminders.models import REMINDER_TEXT_MAX
from jobhax.validation import ApplicationDate, Flag, Id, JsonBody, QueryString, Text, required_text

DUE_AT = "ISO-8601 datetime (UTC unless it says otherwise), or YYYY-MM-DD for midnight UTC."


def _at_least_one_change(node, value):
    if not {"due_at", "text", "done"} & set(value):
        raise colander.Invalid(node, "due_at, text or done is required")


class AddReminderBody(JsonBody):
    jobapp_id = colander.SchemaNode(Id())
    due_at = colander.SchemaNode(ApplicationDate(), description=DUE_AT)
    text = required_text(REMINDER_TEXT_MAX)


class UpdateReminderBody(JsonBody):
    reminder_id = colander.SchemaNode(Id())
    due_at = colander.SchemaNode(ApplicationDate(), missing=colander.drop, description=DUE_AT)
    text = required_text(REMINDER_TEXT_MAX, missing=colander.drop)
    done = colander.SchemaNode(Flag(), missing=colander.drop)

    def __init__(self, *args, **kw):
        super().__init__(*args, validator=_at_least_one_change, **kw)


class ReminderIdBody(JsonBody):
    reminder_id = colander.SchemaNode(Id())


class RemindersQuery(JobappQuery):
    """Optional ``jobapp_id`` (or ``jopapp_id``): only that application's reminders."""

    jobapp_id = colander.SchemaNode(
        Id(), missing=colander.drop, description="Only this application's; also accepted as jopapp_id."
    )


class CalendarQuery(QueryString):
    key = colander.SchemaNode(
        Text(), validator=colander.Length(min=1, max=200), description="The calendar's secret key."
    )
