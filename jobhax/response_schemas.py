"""What every ``/api/*`` endpoint answers: the schema of its ``data`` and the error codes it can return.

The API document (``GET /__api__``, built by :mod:`jobhax.ops.apidoc`) wraps each entry in the envelope,
one response per HTTP status, and schemathesis checks every real answer against it
(tests/test_schemathesis.py). A test fails while a Cornice service has no entry here.

To document a new endpoint, add one line keyed by its Cornice service name::

    "get_things": Responses(array(ref("Thing")), ErrorCode.NOT_FOUND),

``data`` is a Swagger 2.0 schema (``ref(name)`` points into :data:`DEFINITIONS`; add shared shapes
there). List only the codes the endpoint's own rules raise: 10 (bad parameters, wrong method, body too
large), 13 and 14 are added for every endpoint, and 1 for every endpoint with
``permission=AUTHENTICATED``.
"""

from jobhax.envelope import ErrorCode


def ref(name):
    return {"$ref": f"#/definitions/{name}"}


def array(items):
    return {"type": "array", "items": items}


def obj(doc=None, /, **properties):
    """An object with these properties, all required (``doc``, its description, is positional only)."""
    schema = {"type": "object", "properties": properties, "required": sorted(properties)}
    if doc:
        schema["description"] = doc
    return schema


def nullable(schema):
    return dict(schema, **{"x-nullable": True})


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
COUNT = {"type": "integer", "minimum": 0}
BOOLEAN = {"type": "boolean"}
UTC_TIME = {"type": "string", "format": "date-time", "description": "UTC, e.g. 2019-01-23T14:18:12Z"}
ANY_OBJECT = {"type": "object", "additionalProperties": True}
NULL = {"type": "object", "x-nullable": True, "enum": [None], "description": "always null"}


class Responses:
    """``data`` of the success envelope and the codes; ``produces``/``consumes`` for a non-JSON success
    answer (``data`` then describes the file) or request body."""

    def __init__(self, data, *errors, produces=None, consumes=None):
        self.data = data
        self.errors = errors
        self.produces = produces
        self.consumes = consumes


DEFINITIONS = {
    "Token": obj(
        "The JobHax token pair (also the standard RFC 6749 answer of /oauth/token).",
        access_token=STRING,
        expires_in=COUNT,
        token_type={"type": "string", "enum": ["Bearer"]},
        scope=STRING,
        refresh_token=STRING,
    ),
    "Status": obj(id=INTEGER, value=STRING),
    "ListedStatus": obj(
        "A shared status (ids 1-5, positions 1-5) or one of the caller's custom statuses.",
        id=INTEGER,
        value=STRING,
        position={"type": "integer", "minimum": 0, "description": "get_statuses lists by position"},
    ),
    "JobApplication": obj(
        id=INTEGER,
        applicationStatus=nullable(ref("Status")),
        jobTitle=STRING,
        company=STRING,
        companyLogo=nullable(STRING),
        applyDate=UTC_TIME,
        msgId=nullable(STRING),
        source=STRING,
        isRejected=BOOLEAN,
        user=INTEGER,
        jobUrl=nullable({"type": "string", "description": "the posting's http(s) URL"}),
        location=nullable(STRING),
        lastUpdate=nullable(
            dict(
                UTC_TIME, description="UTC: the newest status change or rejection, e.g. 2019-01-23T14:18:12Z"
            )
        ),
    ),
    "StatusChange": obj(
        applicationStatus=nullable(ref("Status")),
        update_date=UTC_TIME,
        origin={
            "type": "string",
            "enum": ["user", "email", "import"],
            "description": "by hand, from a message (msgId), or an import (Gmail or CSV) creating the application",
        },
        msgId=nullable({"type": "string", "description": "the message behind an email change, else null"}),
    ),
    "Note": obj(id=INTEGER, description=STRING, created_date=UTC_TIME, update_date=nullable(UTC_TIME)),
    "JobPosting": obj(
        "The LinkedIn job posting behind an application; three empty objects when none is stored.",
        posterInformation=ANY_OBJECT,
        decoratedJobPosting=ANY_OBJECT,
        topCardV2=ANY_OBJECT,
    ),
    "SyncStatus": obj(
        "The caller's last Gmail import.",
        state={"type": "string", "enum": ["idle", "queued", "running", "done", "failed"]},
        started_at=nullable(UTC_TIME),
        finished_at=nullable(UTC_TIME),
        messages_total=COUNT,
        messages_processed=COUNT,
        messages_skipped=COUNT,
        jobapps_created=COUNT,
        jobapps_updated=dict(COUNT, description="applications whose status or rejection this import changed"),
        error=nullable({"type": "string", "description": "e.g. google_token_invalid"}),
    ),
    "Mail": obj(
        subject=STRING,
        body={"type": "string", "description": "HTML"},
        date={"type": "string", "description": "YYYY-MM-DD HH:MM:SS+00:00"},
    ),
    "MonthlySeries": obj(source=STRING, data=array(COUNT)),
    "Profile": obj(
        id=INTEGER,
        username=STRING,
        email=STRING,
        email_verified=BOOLEAN,
        first_name=STRING,
        last_name=STRING,
        providers=array({"type": "string", "enum": ["google-oauth2", "linkedin-oauth2"]}),
        created_at=UTC_TIME,
    ),
    "AccountExport": obj(
        "Everything stored about the caller (no password hash, token digest or provider token); times are "
        "UTC ISO-8601 with microseconds. Soft-deleted applications are included, with their deleted_at.",
        exported_at=UTC_TIME,
        profile=ref("Profile"),
        providers=array(ANY_OBJECT),
        sessions=array(ANY_OBJECT),
        mailed_tokens=array(ANY_OBJECT),
        applications=array(ANY_OBJECT),
        status_history=array(ANY_OBJECT),
        notes=array(ANY_OBJECT),
        job_postings=array(ANY_OBJECT),
        mails=array(ANY_OBJECT),
        mail_imports=array(ANY_OBJECT),
    ),
    "Reminder": obj(
        id=INTEGER,
        jobapp_id=INTEGER,
        due_at=UTC_TIME,
        text={"type": "string", "minLength": 1, "maxLength": 1000},
        done=BOOLEAN,
    ),
    "CalendarUrl": obj(url={"type": "string", "description": "absolute; the key in it is the credential"}),
    "Webhook": obj(
        id=INTEGER,
        url=STRING,
        events=array(STRING),
        disabled={"type": "boolean", "description": "true once deliveries failed for 24 h"},
    ),
    "NewWebhook": obj(
        "The new webhook; `secret` (whsec_…) signs its deliveries and is shown only here.",
        id=INTEGER,
        url=STRING,
        events=array(STRING),
        secret=STRING,
    ),
}

# get_jobapps answers a plain array, or one page {items, next_cursor} when ``limit`` is given. Swagger 2.0
# has no oneOf: a schema without "type" whose "items" constrains arrays and "properties" objects says both.
RATE = {"type": "number", "minimum": 0}
RESPONSE_SUMMARY = dict(
    total=COUNT,
    responded=COUNT,
    response_rate=dict(RATE, description="responded / total, 4 places; 0 when total is 0"),
    median_days_to_response=nullable(
        dict(RATE, description="median whole UTC days from applyDate to first response; null without any")
    ),
)
JOBAPPS_LIST = {
    "description": "Without `limit`: every JobApplication, newest applyDate first. With `limit`: one page "
    "`{items, next_cursor}`; pass `next_cursor` back as `cursor` for the next page, null on "
    "the last.",
    "items": ref("JobApplication"),
    "properties": {
        "items": array(ref("JobApplication")),
        "next_cursor": nullable({"type": "string", "description": "opaque"}),
    },
    "required": ["items", "next_cursor"],
}

# [[series per source], [12 month names]]: again a tuple Swagger 2.0 cannot say; objects are series.
MONTHLY_COUNTS = {
    "type": "array",
    "minItems": 2,
    "maxItems": 2,
    "description": "`[series, months]`: one MonthlySeries per source (Hired.com, LinkedIn, Indeed, Vettery, "
    "Others[, Total]) with 12 counts, oldest month first; then the 12 English month names.",
    "items": {
        "type": "array",
        "items": {"properties": DEFINITIONS["MonthlySeries"]["properties"], "required": ["data", "source"]},
    },
}

RESPONSES = {
    # Accounts.
    "register": Responses(
        NULL,
        ErrorCode.PASSWORDS_DO_NOT_MATCH,
        ErrorCode.USERNAME_TAKEN,
        ErrorCode.EMAIL_TAKEN,
        ErrorCode.TOO_MANY_ATTEMPTS,
    ),
    "verify_email": Responses(NULL, ErrorCode.TOKEN_INVALID),
    "resend_verification": Responses(NULL),
    "request_password_reset": Responses(NULL),
    "reset_password": Responses(NULL, ErrorCode.TOKEN_INVALID, ErrorCode.PASSWORDS_DO_NOT_MATCH),
    "change_password": Responses(NULL, ErrorCode.LOGIN_FAILED, ErrorCode.PASSWORDS_DO_NOT_MATCH),
    "get_profile": Responses(ref("Profile")),
    "update_profile": Responses(ref("Profile")),
    "export": Responses(ref("AccountExport")),
    "delete_account": Responses(NULL, ErrorCode.LOGIN_FAILED),
    "login": Responses(
        ref("Token"), ErrorCode.INVALID_CREDENTIALS, ErrorCode.LOGIN_FAILED, ErrorCode.TOO_MANY_ATTEMPTS
    ),
    "refresh_token": Responses(ref("Token"), ErrorCode.INVALID_CREDENTIALS),
    "logout": Responses(NULL, ErrorCode.INVALID_CREDENTIALS, ErrorCode.LOGOUT_FAILED),
    "logout_all": Responses(NULL),
    "auth_social_user": Responses(ref("Token"), ErrorCode.INVALID_CREDENTIALS),
    "update_gmail_token": Responses(NULL, ErrorCode.GOOGLE_TOKEN_UPDATE_FAILED),
    "get_linkedin_profile": Responses(
        dict(ANY_OBJECT, description="LinkedIn's /v2/me answer, as is"), ErrorCode.PROFILE_NOT_FOUND
    ),
    "sync_user_emails": Responses(ref("SyncStatus"), ErrorCode.GOOGLE_TOKEN_EXPIRED),
    "sync_status": Responses(ref("SyncStatus")),
    "get_user_google_mails": Responses(array(ref("Mail"))),
    # Job applications.
    "get_jobapps": Responses(JOBAPPS_LIST, ErrorCode.NOT_FOUND),
    "get_statuses": Responses(array(ref("ListedStatus"))),
    "get_status_history": Responses(array(ref("StatusChange")), ErrorCode.NOT_FOUND),
    "add_jobapp": Responses(ref("JobApplication"), ErrorCode.NOT_FOUND, ErrorCode.QUOTA_EXCEEDED),
    "update_jobapp": Responses(NULL, ErrorCode.NOT_FOUND),
    "delete_jobapp": Responses(NULL, ErrorCode.NOT_FOUND),
    "get_jobapp_detail": Responses(ref("JobPosting"), ErrorCode.NOT_FOUND),
    "get_jobapp_notes": Responses(array(ref("Note")), ErrorCode.NOT_FOUND),
    "add_jobapp_note": Responses(ref("Note"), ErrorCode.NOT_FOUND, ErrorCode.QUOTA_EXCEEDED),
    "update_jobapp_note": Responses(NULL, ErrorCode.NOT_FOUND),
    "delete_jobapp_note": Responses(NULL, ErrorCode.NOT_FOUND),
    "add_status": Responses(ref("ListedStatus"), ErrorCode.QUOTA_EXCEEDED),
    "update_status": Responses(ref("ListedStatus"), ErrorCode.NOT_FOUND),
    "delete_status": Responses(NULL, ErrorCode.NOT_FOUND),
    "export_csv": Responses(
        {
            "type": "string",
            "format": "binary",
            "description": "text/csv, RFC 4180, header `id,job_title,company,status,rejected,applied_on,"
            "source,location,job_url,notes,last_update`; cells starting with = + - @ get a leading '.",
        },
        ErrorCode.NOT_FOUND,
        produces="text/csv",
    ),
    "import_csv": Responses(
        obj(
            created=COUNT,
            skipped=array(
                obj(
                    line={"type": "integer", "minimum": 2, "description": "the header is line 1"},
                    reason=STRING,
                )
            ),
        ),
        consumes="text/csv",
    ),
    "get_duplicates": Responses(array(array(ref("JobApplication")))),
    "merge_jobapps": Responses(ref("JobApplication"), ErrorCode.NOT_FOUND, ErrorCode.QUOTA_EXCEEDED),
    # Reminders and the calendar feed.
    "add_reminder": Responses(ref("Reminder"), ErrorCode.NOT_FOUND, ErrorCode.QUOTA_EXCEEDED),
    "update_reminder": Responses(ref("Reminder"), ErrorCode.NOT_FOUND),
    "delete_reminder": Responses(NULL, ErrorCode.NOT_FOUND),
    "get_reminders": Responses(array(ref("Reminder")), ErrorCode.NOT_FOUND),
    "calendar_ics": Responses(
        {"type": "string", "description": "RFC 5545 iCalendar: one VEVENT per open reminder"},
        ErrorCode.NOT_FOUND,
        produces="text/calendar",
    ),
    "get_calendar_url": Responses(ref("CalendarUrl")),
    "reset_calendar_key": Responses(ref("CalendarUrl")),
    # Webhooks.
    "add_webhook": Responses(ref("NewWebhook"), ErrorCode.QUOTA_EXCEEDED),
    "get_webhooks": Responses(array(ref("Webhook"))),
    "delete_webhook": Responses(NULL, ErrorCode.NOT_FOUND),
    # Metrics.
    "get_total_application_count": Responses(obj(count=COUNT)),
    "get_application_count_by_month": Responses(MONTHLY_COUNTS),
    "get_application_count_by_month_with_total": Responses(MONTHLY_COUNTS),
    "get_count_by_statuses": Responses(array(obj(name=STRING, value=COUNT))),
    "get_word_count": Responses(array(obj(word=STRING, value=COUNT))),
    "get_count_by_jobtitle_and_statuses": Responses(
        obj(jobs=array(STRING), statuses=array(STRING), data=array(obj(name=STRING, data=array(COUNT))))
    ),
    "get_funnel": Responses(
        obj(
            stages=array(obj(status_id=INTEGER, status=STRING, reached=COUNT, rejected_here=COUNT)),
            conversion=array(
                dict(RATE, description="reached[i+1] / reached[i], 4 places; 0 when reached[i] is 0")
            ),
        ),
        ErrorCode.INVALID_PARAMETERS,
    ),
    "get_response_stats": Responses(
        obj(
            **RESPONSE_SUMMARY,
            by_source=array(obj(source_bucket=STRING, **RESPONSE_SUMMARY)),
        ),
        ErrorCode.INVALID_PARAMETERS,
    ),
    "get_weekly_activity": Responses(
        array(
            obj(
                week={"type": "string", "description": "ISO week, e.g. 2026-W48"},
                applied=COUNT,
                responses=COUNT,
            )
        ),
        ErrorCode.INVALID_PARAMETERS,
    ),
}
