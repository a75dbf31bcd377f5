import colander

from jobhax.jobapps.models import COMPANY_MAX, NOTE_MAX, SOURCE_MAX, TITLE_MAX
from jobhax.jobapps.serializers import decode_cursor
from jobhax.validation import ApplicationDate, Flag, Id, JsonBody, QueryString, Text, required_text

MAX_PAGE = 1000


def _at_least_one_change(node, value):
    if "status_id" not in value and "rejected" not in value:
        raise colander.Invalid(node, "status_id or rejected is required")


class JobappQuery(QueryString):
    """``jobapp_id``, also accepted under the legacy misspelling ``jopapp_id``."""

    jobapp_id = colander.SchemaNode(Id(), description="An application id; also accepted as jopapp_id.")

    def deserialize(self, cstruct=colander.null):
        if isinstance(cstruct, dict) and "jobapp_id" not in cstruct and "jopapp_id" in cstruct:
            cstruct = dict(cstruct, jobapp_id=cstruct["jopapp_id"])
        return super().deserialize(cstruct)


class Cursor(Text):
    """A ``next_cursor`` from a previous page, decoded to its (applyDate, id)."""

    def parse(self, node, cstruct):
        value = super().parse(node, cstruct)
        try:
            return decode_cursor(value)
        except ValueError:
            raise colander.Invalid(node, "must be a next_cursor from a previous page") from None


def _cursor_needs_limit(node, value):
    if "cursor" in value and "limit" not in value:
        raise colander.Invalid(node, "cursor requires limit")


class JobappsQuery(QueryString):
    """``limit`` turns keyset pagination on (beyond the spec; without it the plain list is answered)."""

    status_id = colander.SchemaNode(
        Id(), missing=colander.drop, description="Only applications in this status."
    )
    limit = colander.SchemaNode(
        Id(),
        validator=colander.Range(max=MAX_PAGE),
        missing=colander.drop,
        description="Page size: answer one page {items, next_cursor} instead of the list.",
    )
    cursor = colander.SchemaNode(
        Cursor(), missing=colander.drop, description="The next_cursor of the previous page (needs limit)."
    )

    def __init__(self, *args, **kw):
        super().__init__(*args, validator=_cursor_needs_limit, **kw)


class AddJobappBody(JsonBody):
    job_title = required_text(TITLE_MAX)
    company = required_text(COMPANY_MAX)
    status_id = colander.SchemaNode(Id(), missing=1)
    application_date = colander.SchemaNode(ApplicationDate(), missing=colander.drop)
    source = colander.SchemaNode(Text(), validator=colander.Length(max=SOURCE_MAX), missing="")


class UpdateJobappBody(JsonBody):
    jobapp_id = colander.SchemaNode(Id())
    status_id = colander.SchemaNode(Id(), missing=colander.drop)
    rejected = colander.SchemaNode(Flag(), missing=colander.drop)

    def __init__(self, *args, **kw):
        super().__init__(*args, validator=_at_least_one_change, **kw)


class JobappIdBody(JsonBody):
    jobapp_id = colander.SchemaNode(Id())


class AddNoteBody(JsonBody):
    jobapp_id = colander.SchemaNode(Id())
    description = required_text(NOTE_MAX)


class UpdateNoteBody(JsonBody):
    jobapp_note_id = colander.SchemaNode(Id())
    description = required_text(NOTE_MAX)


class NoteIdBody(JsonBody):
    jobapp_note_id = colander.SchemaNode(Id())
