"""Another user's id answers exactly like a missing one, byte for byte, and changes nothing."""

import pytest
from sqlalchemy import func, update

from jobhax.jobapps.models import JobApplication
from tests.jobapps.conftest import JOBAPP_ID_ENDPOINTS, NOTE_ID_ENDPOINTS, call, valid_params

MISSING_OFFSET = 1000


@pytest.fixture
def theirs(other_api, factories):
    """The other user's live application with a note and history, and a deleted one with a note."""
    jobapp = factories.jobapp(other_api.user)
    note = factories.note(jobapp)
    deleted = factories.jobapp(other_api.user)
    deleted_note = factories.note(deleted)
    factories.db.execute(
        update(JobApplication).where(JobApplication.id == deleted.id).values(deleted_at=func.now())
    )
    factories.db.commit()
    return {
        "jobapp_id": jobapp.id,
        "note_id": note.id,
        "deleted_jobapp_id": deleted.id,
        "deleted_note_id": deleted_note.id,
    }


def _answer(response):
    return response.status_int, response.headers["Content-Type"], response.body


@pytest.mark.parametrize("name", JOBAPP_ID_ENDPOINTS + NOTE_ID_ENDPOINTS)
def test_a_foreign_id_answers_exactly_like_a_missing_one(api, seeded, theirs, snapshot, name):
    key = "note_id" if name in NOTE_ID_ENDPOINTS else "jobapp_id"
    missing_id = max(theirs.values()) + MISSING_OFFSET
    before = snapshot()

    def answer_for(id_value):
        jobapp_id = id_value if key == "jobapp_id" else seeded["jobapp_id"]
        note_id = id_value if key == "note_id" else seeded["note_id"]
        return _answer(call(api, name, valid_params(name, jobapp_id, note_id)))

    missing = answer_for(missing_id)
    assert missing[0] == 404
    assert answer_for(theirs[key]) == missing
    assert answer_for(theirs[f"deleted_{key}"]) == missing
    assert snapshot() == before


def test_the_owner_still_sees_everything_after_foreign_attempts(api, other_api, seeded, theirs):
    for name in JOBAPP_ID_ENDPOINTS + NOTE_ID_ENDPOINTS:
        call(api, name, valid_params(name, theirs["jobapp_id"], theirs["note_id"]))
    for name in ["get_status_history", "get_jobapp_detail", "get_jobapp_notes"]:
        assert call(other_api, name, {"jobapp_id": theirs["jobapp_id"]}).status_int == 200
    assert [row["id"] for row in call(other_api, "get_jobapps", {}).json["data"]] == [theirs["jobapp_id"]]


def test_lists_never_show_another_users_rows(api, other_api, seeded, theirs):
    mine = call(api, "get_jobapps", {}).json["data"]
    assert [row["id"] for row in mine] == [seeded["jobapp_id"]]
    assert {row["user"] for row in mine} == {api.user.id}
    assert call(api, "get_jobapps", {"status_id": 1}).json["data"] == mine
