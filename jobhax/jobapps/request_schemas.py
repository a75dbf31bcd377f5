import colander

from jobhax.jobapps.models import (
    COMPANY_MAX,
    LOCATION_MAX,
    NOTE_MAX,
    SOURCE_MAX,
    STATUS_VALUE_MAX,
    TITLE_MAX,
    URL_MAX,
)
from jobhax.jobapps.serializers import decode_cursor
from jobhax.validation import (
    ApplicationDate,
    Day,
    Flag,
    Id,
    JsonBody,
    Ordinal,
    QueryString,
    Text,
    required_text,
)

MAX_PAGE = 1000
EDITABLE = (
    "status_id",
    "rejected",
    "job_title",
    "company",
    "source",
    "application_date",
    "job_url",
    "location",
)


class NotBlank(colander.Regex):
    """Some character besides white space. Checked with str.strip (linear in the value); the pattern,
    which says the same to /__api__, is never run by the server."""

    def __init__(self):
        super().__init__(r"^[^\x00]*[^\s\x00][^\x00]*$", msg="must not be blank")

    def __call__(self, node, value):
        if not value.strip():
            raise colander.Invalid(node, self.msg)


not_blank = NotBlank()


# Empty (no URL), or an absolute http(s) URL with a plain host: no javascript:, data: or file: link, no
# credentials, nothing a browser would resolve somewhere unexpected. A pattern, so /__api__ says it too.
HTTP_URL = r"^$|^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9._~%-]+(:[0-9]{1,5})?([/?#]\S*)?$"
http_url = colander.Regex(HTTP_URL, msg="must be an http(s) URL")


def title_node(**kw):
    return required_text(TITLE_MAX, not_blank, **kw)


def company_node(**kw):
    return required_text(COMPANY_MAX, not_blank, **kw)


def source_node(**kw):
    return colander.SchemaNode(Text(), validator=colander.Length(max=SOURCE_MAX), **kw)


def location_node(**kw):
    return colander.SchemaNode(
        Text(),
        validator=colander.Length(max=LOCATION_MAX),
        description="Where the job is; empty for none.",
        **kw,
    )


def job_url_node(**kw):
    return colander.SchemaNode(
        Text(),
        validator=colander.All(colander.Length(max=URL_MAX), http_url),
        description="The job posting's http(s) URL; empty for none.",
        **kw,
    )


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


def status_value_node(**kw):
    return required_text(STATUS_VALUE_MAX, not_blank, preparer=_stripped, **kw)


def _at_least_one_change(node, value):
    if not any(key in value for key in EDITABLE):
        raise colander.Invalid(node, f"one of {', '.join(EDITABLE)} is required")


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
    job_title = title_node()
    company = company_node()
    status_id = colander.SchemaNode(Id(), missing=1)
    application_date = colander.SchemaNode(ApplicationDate(), missing=colander.drop)
    source = source_node(missing="")
    job_url = job_url_node(missing=colander.drop)
    location = location_node(missing=colander.drop)


class UpdateJobappBody(JsonBody):
    """Any of the application's fields; a status change appends one history row."""

    jobapp_id = colander.SchemaNode(Id())
    status_id = colander.SchemaNode(Id(), missing=colander.drop)
    rejected = colander.SchemaNode(Flag(), missing=colander.drop)
    job_title = title_node(missing=colander.drop)
    company = company_node(missing=colander.drop)
    source = source_node(missing=colander.drop)
    application_date = colander.SchemaNode(ApplicationDate(), missing=colander.drop)
    job_url = job_url_node(missing=colander.drop)
    location = location_node(missing=colander.drop)

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


class AddStatusBody(JsonBody):
    value = status_value_node(
        description="The status name, unique among the caller's statuses whatever its case."
    )


def _value_or_position(node, value):
    if "value" not in value and "position" not in value:
        raise colander.Invalid(node, "value or position is required")


class UpdateStatusBody(JsonBody):
    status_id = colander.SchemaNode(Id())
    value = status_value_node(missing=colander.drop)
    position = colander.SchemaNode(
        Ordinal(), missing=colander.drop, description="Sort key in get_statuses; the shared five are 1 to 5."
    )

    def __init__(self, *args, **kw):
        super().__init__(*args, validator=_value_or_position, **kw)


class DeleteStatusBody(JsonBody):
    status_id = colander.SchemaNode(Id())
    replace_with = colander.SchemaNode(Id(), description="The status its applications move to.")


class ExportQuery(QueryString):
    status_id = colander.SchemaNode(
        Id(), missing=colander.drop, description="Only applications in this status."
    )
    # ``from`` is a Python keyword: the node is named in the schema's constructor.
    to = colander.SchemaNode(
        Day(), missing=colander.drop, description="Only applications applied on or before this day (UTC)."
    )

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.add_before(
            "to",
            colander.SchemaNode(
                Day(),
                name="from",
                missing=colander.drop,
                description="Only applications applied on or after this day (UTC).",
            ),
        )


class MergeBody(JsonBody):
    keep_id = colander.SchemaNode(Id(), description="The application that stays.")
    merge_ids = colander.SchemaNode(
        colander.Sequence(),
        colander.SchemaNode(Id()),
        validator=colander.Length(min=1, max=100),
        description="Applications merged into keep_id, then deleted (1 to 100).",
    )
