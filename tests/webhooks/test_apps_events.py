"""Events of the writes beyond the spec: a status deleted, applications merged, a CSV imported."""

import pytest

from jobhax.jobapps import statuses
from tests.api_client import assert_ok
from tests.jobapps.test_csv import import_csv
from tests.webhooks.test_events import hook, jobs, statement_counts_with_hooks

ALL = ["jobapp.created", "jobapp.updated", "jobapp.deleted", "jobapp.status_changed"]


def add(api, job_title="Engineer", company="ACME", **fields):
    return assert_ok(
        api.post("/api/jobapps/add_jobapp", dict(job_title=job_title, company=company, **fields))
    )


def history(api, jobapp_id):
    return assert_ok(api.get("/api/jobapps/get_status_history", {"jobapp_id": jobapp_id}))


def test_deleting_a_status_reports_each_application_it_moves(api, db):
    ghosted = assert_ok(api.post("/api/jobapps/add_status", {"value": "Ghosted"}))
    moved = [add(api, company=f"A{n}", status_id=ghosted["id"]) for n in range(2)]
    add(api, company="Untouched", status_id=3)
    hook(api, ALL)
    before = len(jobs(db))

    body = {"status_id": ghosted["id"], "replace_with": 3}
    assert assert_ok(api.post("/api/jobapps/delete_status", body)) is None
    queued = [args for _, args in jobs(db)[before:]]
    assert sorted((args["event"], args["data"]["id"]) for args in queued) == sorted(
        (event, jobapp["id"]) for jobapp in moved for event in ("jobapp.updated", "jobapp.status_changed")
    )
    changed = [args["data"] for args in queued if args["event"] == "jobapp.status_changed"]
    assert {data["from_status"]["value"] for data in changed} == {"Ghosted"}
    assert {data["to_status"]["value"] for data in changed} == {"Phone Screen"}
    assert {data["origin"] for data in changed} == {"user"}
    # The move's history row is the user's.
    assert [(row["applicationStatus"]["id"], row["origin"]) for row in history(api, moved[0]["id"])] == [
        (ghosted["id"], "user"),
        (3, "user"),
    ]


def test_merging_reports_the_merged_applications_gone_and_the_kept_one_changed(api, db):
    keep = add(api, status_id=1)
    merged = add(api, status_id=4)
    hook(api, ALL)
    before = len(jobs(db))

    answer = assert_ok(
        api.post("/api/jobapps/merge_jobapps", {"keep_id": keep["id"], "merge_ids": [merged["id"]]})
    )
    queued = [args for _, args in jobs(db)[before:]]
    assert [(args["event"], args["data"]["id"]) for args in queued] == [
        ("jobapp.deleted", merged["id"]),
        ("jobapp.updated", keep["id"]),
        ("jobapp.status_changed", keep["id"]),
    ]
    # The merged application as it was; the kept one as get_jobapps now answers it.
    assert queued[0]["data"] == merged
    assert queued[1]["data"] == answer
    assert queued[2]["data"]["from_status"] == {"id": 1, "value": "Applied"}
    assert queued[2]["data"]["to_status"] == {"id": 4, "value": "Onsite Interview"}
    assert queued[2]["data"]["origin"] == "user"
    assert history(api, keep["id"])[-1]["origin"] == "user"


def test_a_merge_that_keeps_the_status_is_an_update_only(api, db):
    keep = add(api, status_id=5)
    merged = add(api, status_id=3)
    hook(api, ALL)
    before = len(jobs(db))
    assert_ok(api.post("/api/jobapps/merge_jobapps", {"keep_id": keep["id"], "merge_ids": [merged["id"]]}))
    assert [args["event"] for _, args in jobs(db)[before:]] == ["jobapp.deleted", "jobapp.updated"]


def test_a_csv_import_reports_each_application_it_creates(api, db):
    hook(api, ["jobapp.created"])
    answer = assert_ok(
        import_csv(api, "title,company,status\r\nEngineer,Acme,Applied\r\nTester,Initech,Offer\r\n")
    )
    assert answer == {"created": 2, "skipped": []}
    listed = assert_ok(api.get("/api/jobapps/get_jobapps"))
    queued = [args for _, args in jobs(db)]
    assert [args["event"] for args in queued] == ["jobapp.created", "jobapp.created"]
    assert sorted(args["data"]["id"] for args in queued) == sorted(jobapp["id"] for jobapp in listed)
    assert {args["data"]["jobTitle"] for args in queued} == {"Engineer", "Tester"}
    # Their first history rows are the import's.
    assert {row["origin"] for jobapp in listed for row in history(api, jobapp["id"])} == {"import"}


@pytest.mark.parametrize("write", ["delete_status", "merge_jobapps", "import_csv"])
def test_these_writes_issue_the_same_statements_with_three_hooks_as_with_none(
    testapp, factories, count_statements, write
):
    def prepare(user):
        status = statuses.add_status(factories.db, user.id, "Ghosted")
        factories.db.commit()
        return status.id, [factories.jobapp(user, status_id=status.id).id for _ in range(2)]

    def call(api, prepared):
        status_id, (keep_id, merge_id) = prepared
        if write == "delete_status":
            return api.post("/api/jobapps/delete_status", {"status_id": status_id, "replace_with": 1})
        if write == "merge_jobapps":
            return api.post("/api/jobapps/merge_jobapps", {"keep_id": keep_id, "merge_ids": [merge_id]})
        return import_csv(api, "title,company\r\nA,B\r\nC,D\r\n")

    counts = statement_counts_with_hooks(testapp, factories, count_statements, prepare, call)
    assert counts[0] == counts[1]
