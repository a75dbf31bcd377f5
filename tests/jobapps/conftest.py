"""The job application endpoints as data, and a snapshot of every row a request could change."""

import pytest
from sqlalchemy import text

BASE = "/api/jobapps"

# name → (method, parameters of a valid call given an application id and a note id).
ENDPOINTS = {
    "get_jobapps": ("GET", lambda jobapp_id, note_id: {}),
    "get_statuses": ("GET", lambda jobapp_id, note_id: {}),
    "get_status_history": ("GET", lambda jobapp_id, note_id: {"jobapp_id": jobapp_id}),
    "get_jobapp_detail": ("GET", lambda jobapp_id, note_id: {"jobapp_id": jobapp_id}),
    "get_jobapp_notes": ("GET", lambda jobapp_id, note_id: {"jobapp_id": jobapp_id}),
    "add_jobapp": ("POST", lambda jobapp_id, note_id: {"job_title": "Engineer", "company": "ACME"}),
    "update_jobapp": ("POST", lambda jobapp_id, note_id: {"jobapp_id": jobapp_id, "status_id": 2}),
    "delete_jobapp": ("POST", lambda jobapp_id, note_id: {"jobapp_id": jobapp_id}),
    "add_jobapp_note": ("POST", lambda jobapp_id, note_id: {"jobapp_id": jobapp_id, "description": "hi"}),
    "update_jobapp_note": (
        "POST",
        lambda jobapp_id, note_id: {"jobapp_note_id": note_id, "description": "x"},
    ),
    "delete_jobapp_note": ("POST", lambda jobapp_id, note_id: {"jobapp_note_id": note_id}),
}

# The endpoints taking an id, and the parameter that carries it.
JOBAPP_ID_ENDPOINTS = [
    "get_status_history",
    "get_jobapp_detail",
    "get_jobapp_notes",
    "update_jobapp",
    "delete_jobapp",
    "add_jobapp_note",
]
NOTE_ID_ENDPOINTS = ["update_jobapp_note", "delete_jobapp_note"]

SNAPSHOT_QUERIES = {
    "job_applications": "SELECT * FROM job_applications ORDER BY id",
    "status_history": "SELECT * FROM status_history ORDER BY id",
    "notes": "SELECT * FROM notes ORDER BY id",
    "job_postings": "SELECT * FROM job_postings ORDER BY jobapp_id",
}


def call(client, name, params):
    """Call endpoint ``name`` as ``client`` (an ApiClient) with ``params`` as query or JSON body."""
    method, _ = ENDPOINTS[name]
    if method == "GET":
        return client.get(f"{BASE}/{name}", params)
    return client.post(f"{BASE}/{name}", params)


def valid_params(name, jobapp_id, note_id):
    return ENDPOINTS[name][1](jobapp_id, note_id)


@pytest.fixture
def snapshot(db):
    """Every job application, history, note and posting row, to prove a failing request wrote nothing."""

    def take():
        rows = {
            table: [tuple(row) for row in db.execute(text(query))]
            for table, query in SNAPSHOT_QUERIES.items()
        }
        db.commit()
        return rows

    return take


@pytest.fixture
def seeded(api, factories):
    """The caller's application with a note, so every endpoint has something valid to act on."""
    jobapp = factories.jobapp(api.user)
    note = factories.note(jobapp)
    return {"jobapp_id": jobapp.id, "note_id": note.id}
