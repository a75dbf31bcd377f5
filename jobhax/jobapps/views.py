"""Job application endpoints (/api/jobapps/*): validate, apply the rule, wrap in the envelope."""

import json

from pyramid.response import Response

from jobhax.api import AUTHENTICATED, ApiService
from jobhax.clock import utcnow
from jobhax.envelope import envelope, json_text_response
from jobhax.jobapps import csv_export, csv_import, duplicates, queries, request_schemas, services, statuses
from jobhax.jobapps.serializers import (
    encode_cursor,
    history_json,
    jobapp_json,
    listed_status_json,
    note_json,
    posting_json,
)
from jobhax.validation import body_validator, querystring_validator, raw_body_validator

AUTH = dict(permission=AUTHENTICATED)
BODY = dict(validators=(body_validator,), **AUTH)
QUERY = dict(validators=(querystring_validator,), **AUTH)

get_jobapps_service = ApiService(
    "get_jobapps", "/api/jobapps/get_jobapps", "The caller's applications, newest first."
)
get_statuses_service = ApiService(
    "get_statuses",
    "/api/jobapps/get_statuses",
    "The five shared statuses and the caller's own, in position order.",
)
get_status_history_service = ApiService(
    "get_status_history", "/api/jobapps/get_status_history", "An application's status changes, oldest first."
)
add_jobapp_service = ApiService("add_jobapp", "/api/jobapps/add_jobapp", "Create an application.")
update_jobapp_service = ApiService(
    "update_jobapp",
    "/api/jobapps/update_jobapp",
    "Change an application's status, rejection, title, company, source, date, URL or location.",
)
delete_jobapp_service = ApiService("delete_jobapp", "/api/jobapps/delete_jobapp", "Delete an application.")
get_jobapp_detail_service = ApiService(
    "get_jobapp_detail", "/api/jobapps/get_jobapp_detail", "The job posting behind an application."
)
get_jobapp_notes_service = ApiService(
    "get_jobapp_notes", "/api/jobapps/get_jobapp_notes", "An application's notes, oldest first."
)
add_jobapp_note_service = ApiService(
    "add_jobapp_note", "/api/jobapps/add_jobapp_note", "Add a note to an application."
)
update_jobapp_note_service = ApiService(
    "update_jobapp_note", "/api/jobapps/update_jobapp_note", "Edit a note."
)
delete_jobapp_note_service = ApiService(
    "delete_jobapp_note", "/api/jobapps/delete_jobapp_note", "Delete a note."
)
add_status_service = ApiService(
    "add_status", "/api/jobapps/add_status", "Create a custom status of the caller's."
)
update_status_service = ApiService(
    "update_status", "/api/jobapps/update_status", "Rename or move one of the caller's custom statuses."
)
delete_status_service = ApiService(
    "delete_status",
    "/api/jobapps/delete_status",
    "Delete one of the caller's custom statuses, moving its applications to replace_with.",
)
export_csv_service = ApiService(
    "export_csv", "/api/jobapps/export_csv", "The caller's applications as a CSV file, newest first."
)
import_csv_service = ApiService(
    "import_csv",
    "/api/jobapps/import_csv",
    "Create applications from a CSV file (ours, Huntr's or Teal's export): what was created and skipped.",
)
get_duplicates_service = ApiService(
    "get_duplicates",
    "/api/jobapps/get_duplicates",
    "Groups of the caller's applications with the same company and title.",
)
merge_jobapps_service = ApiService(
    "merge_jobapps",
    "/api/jobapps/merge_jobapps",
    "Fold applications into keep_id: notes, history, mails and posting move; the others are deleted.",
)


@get_jobapps_service.get(schema=request_schemas.JobappsQuery, **QUERY)
def get_jobapps(request):
    status_id = request.validated.get("status_id")
    if status_id is not None:
        statuses.require_status(request.dbsession, request.authenticated_userid, status_id)
    if "limit" in request.validated:
        items, last = queries.page_jobapps_json(
            request.dbsession,
            request.authenticated_userid,
            request.validated["limit"],
            request.validated.get("cursor"),
            status_id,
        )
        next_cursor = json.dumps(encode_cursor(*last) if last else None)
        data = f'{{"items": {items}, "next_cursor": {next_cursor}}}'
    else:
        data = queries.list_jobapps_json(request.dbsession, request.authenticated_userid, status_id)
    return json_text_response(request, data)


@get_statuses_service.get(**AUTH)
def get_statuses(request):
    return json_text_response(
        request, statuses.list_statuses_json(request.dbsession, request.authenticated_userid)
    )


@get_status_history_service.get(schema=request_schemas.JobappQuery, **QUERY)
def get_status_history(request):
    jobapp = services.require_jobapp(
        request.dbsession, request.authenticated_userid, request.validated["jobapp_id"]
    )
    return envelope([history_json(*row) for row in services.status_history(request.dbsession, jobapp)])


@add_jobapp_service.post(schema=request_schemas.AddJobappBody, **BODY)
def add_jobapp(request):
    status = statuses.require_status(
        request.dbsession, request.authenticated_userid, request.validated["status_id"]
    )
    now = utcnow()
    jobapp = services.add_jobapp(
        request.dbsession, request.authenticated_userid, now=now, **request.validated
    )
    return envelope(jobapp_json(jobapp, status.value, last_update=now))


@update_jobapp_service.post(schema=request_schemas.UpdateJobappBody, **BODY)
def update_jobapp(request):
    params = request.validated
    jobapp = services.require_jobapp(
        request.dbsession, request.authenticated_userid, params["jobapp_id"], for_update=True
    )
    if "status_id" in params:
        statuses.require_status(request.dbsession, request.authenticated_userid, params["status_id"])
    fields = {name: params[name] for name in services.EDITABLE_FIELDS if name in params}
    services.update_jobapp(
        request.dbsession,
        jobapp,
        status_id=params.get("status_id"),
        rejected=params.get("rejected"),
        **fields,
    )
    return envelope(None)


@delete_jobapp_service.post(schema=request_schemas.JobappIdBody, **BODY)
def delete_jobapp(request):
    jobapp = services.require_jobapp(
        request.dbsession, request.authenticated_userid, request.validated["jobapp_id"], for_update=True
    )
    services.delete_jobapp(request.dbsession, jobapp)
    return envelope(None)


@get_jobapp_detail_service.get(schema=request_schemas.JobappQuery, **QUERY)
def get_jobapp_detail(request):
    jobapp = services.require_jobapp(
        request.dbsession, request.authenticated_userid, request.validated["jobapp_id"]
    )
    return envelope(posting_json(services.jobapp_posting(request.dbsession, jobapp)))


@get_jobapp_notes_service.get(schema=request_schemas.JobappQuery, **QUERY)
def get_jobapp_notes(request):
    jobapp = services.require_jobapp(
        request.dbsession, request.authenticated_userid, request.validated["jobapp_id"]
    )
    return envelope([note_json(note) for note in services.list_notes(request.dbsession, jobapp)])


@add_jobapp_note_service.post(schema=request_schemas.AddNoteBody, **BODY)
def add_jobapp_note(request):
    jobapp = services.require_jobapp(
        request.dbsession, request.authenticated_userid, request.validated["jobapp_id"]
    )
    return envelope(note_json(services.add_note(request.dbsession, jobapp, request.validated["description"])))


@update_jobapp_note_service.post(schema=request_schemas.UpdateNoteBody, **BODY)
def update_jobapp_note(request):
    services.update_note(
        request.dbsession,
        request.authenticated_userid,
        request.validated["jobapp_note_id"],
        request.validated["description"],
    )
    return envelope(None)


@delete_jobapp_note_service.post(schema=request_schemas.NoteIdBody, **BODY)
def delete_jobapp_note(request):
    services.delete_note(request.dbsession, request.authenticated_userid, request.validated["jobapp_note_id"])
    return envelope(None)


@add_status_service.post(schema=request_schemas.AddStatusBody, **BODY)
def add_status(request):
    row = statuses.add_status(request.dbsession, request.authenticated_userid, request.validated["value"])
    return envelope(listed_status_json(*row))


@update_status_service.post(schema=request_schemas.UpdateStatusBody, **BODY)
def update_status(request):
    params = request.validated
    status = statuses.update_status(
        request.dbsession,
        request.authenticated_userid,
        params["status_id"],
        value=params.get("value"),
        position=params.get("position"),
    )
    return envelope(listed_status_json(status.id, status.value, status.position))


@delete_status_service.post(schema=request_schemas.DeleteStatusBody, **BODY)
def delete_status(request):
    statuses.delete_status(
        request.dbsession,
        request.authenticated_userid,
        request.validated["status_id"],
        request.validated["replace_with"],
        utcnow(),
    )
    return envelope(None)


@export_csv_service.get(schema=request_schemas.ExportQuery, **QUERY)
def export_csv(request):
    params = request.validated
    user_id = request.authenticated_userid
    if "status_id" in params:
        statuses.require_status(request.dbsession, user_id, params["status_id"])
    statement = csv_export.export_statement(
        user_id, params.get("status_id"), params.get("from"), params.get("to")
    )
    return Response(
        app_iter=csv_export.stream_csv(request.registry["engine"], statement),
        content_type="text/csv",
        charset="utf-8",
        content_disposition='attachment; filename="jobhax-applications.csv"',
    )


@import_csv_service.post(validators=(raw_body_validator,), **AUTH)
def import_csv(request):
    result = csv_import.import_csv(request.dbsession, request.authenticated_userid, request.body, utcnow())
    return envelope(result)


@get_duplicates_service.get(**AUTH)
def get_duplicates(request):
    return json_text_response(
        request, duplicates.duplicates_json(request.dbsession, request.authenticated_userid)
    )


@merge_jobapps_service.post(schema=request_schemas.MergeBody, **BODY)
def merge_jobapps(request):
    user_id = request.authenticated_userid
    keep_id = request.validated["keep_id"]
    duplicates.merge_jobapps(request.dbsession, user_id, keep_id, request.validated["merge_ids"], utcnow())
    jobapp, status_value, last_update = services.jobapp_with_status(request.dbsession, user_id, keep_id)
    return envelope(jobapp_json(jobapp, status_value, last_update=last_update))
