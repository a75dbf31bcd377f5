"""Job application endpoints (/api/jobapps/*): validate, apply the rule, wrap in the envelope."""

import json

from jobhax.api import AUTHENTICATED, ApiService
from jobhax.clock import utcnow
from jobhax.envelope import envelope, json_text_response
from jobhax.jobapps import queries, request_schemas, services
from jobhax.jobapps.serializers import encode_cursor, history_json, jobapp_json, note_json, posting_json
from jobhax.validation import body_validator, querystring_validator

AUTH = dict(permission=AUTHENTICATED)
BODY = dict(validators=(body_validator,), **AUTH)
QUERY = dict(validators=(querystring_validator,), **AUTH)

get_jobapps_service = ApiService(
    "get_jobapps", "/api/jobapps/get_jobapps", "The caller's applications, newest first."
)
get_statuses_service = ApiService("get_statuses", "/api/jobapps/get_statuses", "Every application status.")
get_status_history_service = ApiService(
    "get_status_history", "/api/jobapps/get_status_history", "An application's status changes, oldest first."
)
add_jobapp_service = ApiService("add_jobapp", "/api/jobapps/add_jobapp", "Create an application.")
update_jobapp_service = ApiService(
    "update_jobapp", "/api/jobapps/update_jobapp", "Change an application's status and/or rejection."
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


@get_jobapps_service.get(schema=request_schemas.JobappsQuery, **QUERY)
def get_jobapps(request):
    status_id = request.validated.get("status_id")
    if status_id is not None:
        services.require_status(request.dbsession, status_id)
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
    return envelope([{"id": s.id, "value": s.value} for s in services.get_statuses(request.dbsession)])


@get_status_history_service.get(schema=request_schemas.JobappQuery, **QUERY)
def get_status_history(request):
    jobapp = services.require_jobapp(
        request.dbsession, request.authenticated_userid, request.validated["jobapp_id"]
    )
    return envelope([history_json(*row) for row in services.status_history(request.dbsession, jobapp.id)])


@add_jobapp_service.post(schema=request_schemas.AddJobappBody, **BODY)
def add_jobapp(request):
    status = services.require_status(request.dbsession, request.validated["status_id"])
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
        services.require_status(request.dbsession, params["status_id"])
    services.update_jobapp(
        request.dbsession, jobapp, status_id=params.get("status_id"), rejected=params.get("rejected")
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
    return envelope(posting_json(services.jobapp_posting(request.dbsession, jobapp.id)))


@get_jobapp_notes_service.get(schema=request_schemas.JobappQuery, **QUERY)
def get_jobapp_notes(request):
    jobapp = services.require_jobapp(
        request.dbsession, request.authenticated_userid, request.validated["jobapp_id"]
    )
    return envelope([note_json(note) for note in services.list_notes(request.dbsession, jobapp.id)])


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
