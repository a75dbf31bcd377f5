"""Note endpoints: exact bodies, oldest first, and the right code on every failure with nothing written."""

import datetime
import re

import pytest

from tests.api_client import assert_error, assert_ok
from tests.jobapps.conftest import BASE

MICRO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def notes(api, jobapp_id):
    return assert_ok(api.get(f"{BASE}/get_jobapp_notes", {"jobapp_id": jobapp_id}))


def test_add_jobapp_note_returns_the_note(api, factories):
    jobapp = factories.jobapp(api.user)
    note = assert_ok(
        api.post(f"{BASE}/add_jobapp_note", {"jobapp_id": jobapp.id, "description": "test note"})
    )
    assert note == {
        "id": note["id"],
        "description": "test note",
        "created_date": note["created_date"],
        "update_date": None,
    }
    assert isinstance(note["id"], int) and MICRO_TIME.match(note["created_date"])
    assert notes(api, jobapp.id) == [note]


def test_add_jobapp_note_accepts_a_string_id_and_keeps_text_verbatim(api, factories):
    jobapp = factories.jobapp(api.user)
    description = "  multi\nline ✓ <b>html</b>  "
    note = assert_ok(
        api.post(f"{BASE}/add_jobapp_note", {"jobapp_id": str(jobapp.id), "description": description})
    )
    assert note["description"] == description
    assert notes(api, jobapp.id)[0]["description"] == description


def test_get_jobapp_notes_lists_oldest_first_with_microseconds(api, factories):
    jobapp = factories.jobapp(api.user)
    base = datetime.datetime(2019, 3, 18, 3, 40, 4, 770901, tzinfo=datetime.UTC)
    newer = factories.note(jobapp, "second", created_at=base + datetime.timedelta(minutes=2))
    older = factories.note(jobapp, "first", created_at=base)
    same_time = factories.note(jobapp, "third", created_at=base + datetime.timedelta(minutes=2))
    assert notes(api, jobapp.id) == [
        {
            "id": older.id,
            "description": "first",
            "created_date": "2019-03-18T03:40:04.770901Z",
            "update_date": None,
        },
        {
            "id": newer.id,
            "description": "second",
            "created_date": "2019-03-18T03:42:04.770901Z",
            "update_date": None,
        },
        {
            "id": same_time.id,
            "description": "third",
            "created_date": "2019-03-18T03:42:04.770901Z",
            "update_date": None,
        },
    ]


def test_get_jobapp_notes_keeps_each_applications_notes_apart(api, factories):
    jobapp = factories.jobapp(api.user)
    other = factories.jobapp(api.user)
    factories.note(other, "elsewhere")
    assert notes(api, jobapp.id) == []
    assert [note["description"] for note in notes(api, other.id)] == ["elsewhere"]


def test_a_whole_second_still_shows_microseconds(api, factories):
    jobapp = factories.jobapp(api.user)
    factories.note(jobapp, created_at=datetime.datetime(2019, 3, 18, 3, 26, 27, tzinfo=datetime.UTC))
    assert notes(api, jobapp.id)[0]["created_date"] == "2019-03-18T03:26:27.000000Z"


def test_update_jobapp_note_changes_the_text_and_sets_update_date(api, factories):
    jobapp = factories.jobapp(api.user)
    note = factories.note(jobapp, "test note")
    untouched = factories.note(jobapp, "other note")
    response = api.post(
        f"{BASE}/update_jobapp_note", {"jobapp_note_id": str(note.id), "description": "test note update"}
    )
    assert assert_ok(response) is None
    updated, other = notes(api, jobapp.id)
    assert updated["id"] == note.id and updated["description"] == "test note update"
    assert MICRO_TIME.match(updated["update_date"]) and updated["update_date"] >= updated["created_date"]
    assert other == {
        "id": untouched.id,
        "description": "other note",
        "created_date": other["created_date"],
        "update_date": None,
    }


def test_delete_jobapp_note_removes_only_that_note(api, factories):
    jobapp = factories.jobapp(api.user)
    note = factories.note(jobapp, "gone")
    kept = factories.note(jobapp, "kept")
    assert assert_ok(api.post(f"{BASE}/delete_jobapp_note", {"jobapp_note_id": note.id})) is None
    assert [row["id"] for row in notes(api, jobapp.id)] == [kept.id]
    assert_error(api.post(f"{BASE}/delete_jobapp_note", {"jobapp_note_id": note.id}), 11, 404)
    assert_error(
        api.post(f"{BASE}/update_jobapp_note", {"jobapp_note_id": note.id, "description": "x"}), 11, 404
    )


@pytest.mark.parametrize(
    "body",
    [
        {"jobapp_id": "{jobapp_id}"},
        {"jobapp_id": "{jobapp_id}", "description": ""},
        {"jobapp_id": "{jobapp_id}", "description": None},
        {"jobapp_id": "{jobapp_id}", "description": 42},
        {"jobapp_id": "{jobapp_id}", "description": ["a"]},
        {"jobapp_id": "{jobapp_id}", "description": "nul\x00byte"},
        {"jobapp_id": "{jobapp_id}", "description": "lone \ud83d surrogate"},
        {"jobapp_id": "{jobapp_id}", "description": "x" * 10001},
        {"description": "a note"},
    ],
)
def test_add_jobapp_note_with_missing_or_invalid_fields_answers_10(api, seeded, snapshot, body):
    body = {key: seeded["jobapp_id"] if value == "{jobapp_id}" else value for key, value in body.items()}
    before = snapshot()
    assert_error(api.post(f"{BASE}/add_jobapp_note", body), 10, 400)
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {"jobapp_note_id": "{note_id}"},
        {"jobapp_note_id": "{note_id}", "description": ""},
        {"jobapp_note_id": "{note_id}", "description": None},
        {"jobapp_note_id": "{note_id}", "description": 42},
        {"jobapp_note_id": "{note_id}", "description": "lone \udc00 surrogate"},
        {"jobapp_note_id": "{note_id}", "description": "x" * 10001},
        {"description": "a note"},
        {"jobapp_id": "{note_id}", "description": "the wrong key"},
    ],
)
def test_update_jobapp_note_with_missing_or_invalid_fields_answers_10(api, seeded, snapshot, body):
    body = {key: seeded["note_id"] if value == "{note_id}" else value for key, value in body.items()}
    before = snapshot()
    assert_error(api.post(f"{BASE}/update_jobapp_note", body), 10, 400)
    assert snapshot() == before


def test_a_note_of_the_longest_allowed_length_is_kept(api, seeded):
    description = "x" * 10000
    assert (
        assert_ok(
            api.post(
                f"{BASE}/add_jobapp_note", {"jobapp_id": seeded["jobapp_id"], "description": description}
            )
        )["description"]
        == description
    )


def test_the_notes_of_a_deleted_application_are_missing(api, seeded, snapshot):
    assert_ok(api.post(f"{BASE}/delete_jobapp", {"jobapp_id": seeded["jobapp_id"]}))
    before = snapshot()
    assert_error(api.get(f"{BASE}/get_jobapp_notes", {"jobapp_id": seeded["jobapp_id"]}), 11, 404)
    assert_error(
        api.post(f"{BASE}/add_jobapp_note", {"jobapp_id": seeded["jobapp_id"], "description": "x"}), 11, 404
    )
    assert_error(
        api.post(f"{BASE}/update_jobapp_note", {"jobapp_note_id": seeded["note_id"], "description": "x"}),
        11,
        404,
    )
    assert_error(api.post(f"{BASE}/delete_jobapp_note", {"jobapp_note_id": seeded["note_id"]}), 11, 404)
    assert snapshot() == before
