"""Custom statuses: each user's own stages beside the shared five, invisible to everyone else."""

import threading

import pytest
import webtest

from jobhax import quotas
from jobhax.envelope import ErrorCode
from tests.api_client import assert_error, assert_ok
from tests.metrics.test_counts import assert_agree

BASE = "/api/jobapps"
SHARED = [
    {"id": 1, "value": "Applied", "position": 1},
    {"id": 2, "value": "To Apply", "position": 2},
    {"id": 3, "value": "Phone Screen", "position": 3},
    {"id": 4, "value": "Onsite Interview", "position": 4},
    {"id": 5, "value": "Offer", "position": 5},
]


def add_status(client, value):
    return assert_ok(client.post(f"{BASE}/add_status", {"value": value}))


def listed(client):
    return assert_ok(client.get(f"{BASE}/get_statuses"))


def assert_invalid(response, detail=None):
    body = response.json
    # 400, or 200 under jobhax.legacy_http_status; the envelope says 10 either way.
    assert response.status_int in (400, 200) and body["success"] is False, body
    assert body["error_code"] == 10 and body["data"] is None, body
    assert body["error_message"].startswith(ErrorCode.INVALID_PARAMETERS.message)
    if detail:
        assert detail in body["error_message"], body


def test_a_custom_status_is_listed_after_the_shared_five(api):
    ghosted = add_status(api, "Ghosted")
    take_home = add_status(api, " Take-home ")
    assert ghosted == {"id": ghosted["id"], "value": "Ghosted", "position": 6}
    assert ghosted["id"] > 5
    assert take_home["value"] == "Take-home" and take_home["position"] == 7
    assert listed(api) == [*SHARED, ghosted, take_home]


def test_positions_order_the_list_and_shared_statuses_come_first_on_a_tie(api):
    ghosted = add_status(api, "Ghosted")
    take_home = add_status(api, "Take-home")
    moved = assert_ok(api.post(f"{BASE}/update_status", {"status_id": take_home["id"], "position": 3}))
    assert moved == dict(take_home, position=3)
    first = assert_ok(api.post(f"{BASE}/update_status", {"status_id": ghosted["id"], "position": "0"}))
    assert [s["value"] for s in listed(api)] == [
        "Ghosted",
        "Applied",
        "To Apply",
        "Phone Screen",
        "Take-home",
        "Onsite Interview",
        "Offer",
    ]
    assert first["position"] == 0


def test_rename_keeps_the_id_and_applications_follow(api):
    status = add_status(api, "Ghosted")
    jobapp = assert_ok(
        api.post(
            f"{BASE}/add_jobapp", {"job_title": "Engineer", "company": "ACME", "status_id": status["id"]}
        )
    )
    assert jobapp["applicationStatus"] == {"id": status["id"], "value": "Ghosted"}
    renamed = assert_ok(api.post(f"{BASE}/update_status", {"status_id": status["id"], "value": "No answer"}))
    assert renamed == dict(status, value="No answer")
    assert assert_ok(api.get(f"{BASE}/get_jobapps"))[0]["applicationStatus"] == {
        "id": status["id"],
        "value": "No answer",
    }
    # Changing only the case of its own value is no clash.
    assert assert_ok(api.post(f"{BASE}/update_status", {"status_id": status["id"], "value": "NO ANSWER"}))


@pytest.mark.parametrize("value", ["ghosted", "GHOSTED", "applied", "Phone screen"])
def test_values_are_unique_per_user_whatever_their_case(api, value):
    add_status(api, "Ghosted")
    assert_invalid(api.post(f"{BASE}/add_status", {"value": value}), "is taken")
    other = add_status(api, "Other")
    assert_invalid(api.post(f"{BASE}/update_status", {"status_id": other["id"], "value": value}), "is taken")
    assert len(listed(api)) == 7


def test_two_users_may_have_the_same_value(api, other_api):
    mine = add_status(api, "Ghosted")
    theirs = add_status(other_api, "ghosted")
    assert mine["id"] != theirs["id"]
    assert listed(api) == [*SHARED, mine]
    assert listed(other_api) == [*SHARED, theirs]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"value": ""},
        {"value": "   "},
        {"value": "x" * 65},
        {"value": 5},
        {"value": None},
    ],
)
def test_add_status_refuses_bad_values(api, body):
    assert_error(api.post(f"{BASE}/add_status", body), 10, 400)


@pytest.mark.parametrize(
    "body",
    [
        {"value": "x"},
        {"status_id": "{id}"},
        {"status_id": "{id}", "position": -1},
        {"status_id": "{id}", "position": 1.5},
        {"status_id": "{id}", "value": ""},
        {"status_id": True, "value": "x"},
    ],
)
def test_update_status_refuses_bad_parameters(api, body):
    status = add_status(api, "Ghosted")
    body = {key: status["id"] if value == "{id}" else value for key, value in body.items()}
    assert_error(api.post(f"{BASE}/update_status", body), 10, 400)


def test_the_quota_is_fifty_live_custom_statuses(api):
    created = [add_status(api, f"Stage {n}") for n in range(quotas.CUSTOM_STATUSES)]
    assert_error(api.post(f"{BASE}/add_status", {"value": "One too many"}), 17, 409)
    assert len(listed(api)) == 5 + quotas.CUSTOM_STATUSES
    # A deleted status frees its place and its value.
    assert_ok(api.post(f"{BASE}/delete_status", {"status_id": created[0]["id"], "replace_with": 1}))
    assert add_status(api, "Stage 0")["value"] == "Stage 0"


def test_concurrent_additions_never_pass_the_quota_or_clash(testapp, api):
    for n in range(quotas.CUSTOM_STATUSES - 3):
        add_status(api, f"Stage {n}")
    answers = []

    def add(value):
        client = webtest.TestApp(testapp.app)
        answers.append(
            client.post_json(f"{BASE}/add_status", {"value": value}, headers=api.headers, expect_errors=True)
        )

    threads = [
        threading.Thread(target=add, args=(value,)) for value in ["Same"] * 4 + [f"New {n}" for n in range(6)]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(answer.json["error_code"] for answer in answers)
    assert all(answer.status_int < 500 for answer in answers)
    assert codes.count(0) == 3
    assert len(listed(api)) == 5 + quotas.CUSTOM_STATUSES
    assert [s["value"].lower() for s in listed(api)].count("same") <= 1


def test_delete_status_moves_its_applications_with_one_history_row_each(api, engine):
    status = add_status(api, "Ghosted")
    moved = [
        assert_ok(
            api.post(
                f"{BASE}/add_jobapp", {"job_title": f"T{n}", "company": "ACME", "status_id": status["id"]}
            )
        )
        for n in range(3)
    ]
    untouched = assert_ok(api.post(f"{BASE}/add_jobapp", {"job_title": "Other", "company": "ACME"}))
    assert_agree(engine)
    assert_ok(api.post(f"{BASE}/delete_status", {"status_id": status["id"], "replace_with": 4}))
    assert listed(api) == SHARED
    for jobapp in moved:
        history = assert_ok(api.get(f"{BASE}/get_status_history", {"jobapp_id": jobapp["id"]}))
        # The older row keeps naming the deleted status.
        assert [row["applicationStatus"] for row in history] == [
            {"id": status["id"], "value": "Ghosted"},
            {"id": 4, "value": "Onsite Interview"},
        ]
    assert len(assert_ok(api.get(f"{BASE}/get_status_history", {"jobapp_id": untouched["id"]}))) == 1
    by_status = {a["id"]: a["applicationStatus"]["id"] for a in assert_ok(api.get(f"{BASE}/get_jobapps"))}
    assert by_status == {**{a["id"]: 4 for a in moved}, untouched["id"]: 1}
    assert_agree(engine)
    # Gone: neither usable nor editable any more.
    body = {"job_title": "x", "company": "y", "status_id": status["id"]}
    assert_error(api.post(f"{BASE}/add_jobapp", body), 11, 404)
    assert_error(api.post(f"{BASE}/update_status", {"status_id": status["id"], "value": "Back"}), 11, 404)
    assert_error(api.post(f"{BASE}/delete_status", {"status_id": status["id"], "replace_with": 1}), 11, 404)


def test_delete_status_into_another_custom_status(api):
    old, new = add_status(api, "Ghosted"), add_status(api, "Silent")
    jobapp = assert_ok(
        api.post(f"{BASE}/add_jobapp", {"job_title": "T", "company": "C", "status_id": old["id"]})
    )
    assert_ok(api.post(f"{BASE}/delete_status", {"status_id": old["id"], "replace_with": str(new["id"])}))
    assert assert_ok(api.get(f"{BASE}/get_jobapps"))[0]["applicationStatus"] == {
        "id": new["id"],
        "value": "Silent",
    }
    assert jobapp["id"]


def test_delete_status_refuses_itself_as_replacement(api):
    status = add_status(api, "Ghosted")
    body = {"status_id": status["id"], "replace_with": status["id"]}
    assert_invalid(api.post(f"{BASE}/delete_status", body), "replace_with")
    assert_error(api.post(f"{BASE}/delete_status", {"status_id": status["id"]}), 10, 400)


# An attacker's view: shared and foreign statuses are missing everywhere.


@pytest.fixture
def foreign_status(other_api):
    return add_status(other_api, "Their stage")


@pytest.mark.parametrize(
    "path, body",
    [
        ("update_status", {"status_id": "{foreign}", "value": "Mine now"}),
        ("update_status", {"status_id": "{foreign}", "position": 0}),
        ("delete_status", {"status_id": "{foreign}", "replace_with": 1}),
        ("delete_status", {"status_id": "{mine}", "replace_with": "{foreign}"}),
        ("update_status", {"status_id": 1, "value": "Sent"}),
        ("delete_status", {"status_id": 3, "replace_with": 1}),
        ("update_status", {"status_id": 2_147_483_647, "value": "x"}),
        ("add_jobapp", {"job_title": "T", "company": "C", "status_id": "{foreign}"}),
        ("update_jobapp", {"jobapp_id": "{jobapp}", "status_id": "{foreign}"}),
    ],
)
def test_a_foreign_or_shared_status_is_missing(api, other_api, factories, foreign_status, path, body):
    mine = add_status(api, "Mine")
    jobapp = factories.jobapp(api.user)
    values = {"{foreign}": foreign_status["id"], "{mine}": mine["id"], "{jobapp}": jobapp.id}
    body = {key: values.get(value, value) if isinstance(value, str) else value for key, value in body.items()}
    assert_error(api.post(f"{BASE}/{path}", body), 11, 404)
    assert listed(other_api) == [*SHARED, foreign_status]
    assert listed(api) == [*SHARED, mine]
    assert assert_ok(api.get(f"{BASE}/get_jobapps"))[0]["applicationStatus"]["id"] == 1


def test_filtering_by_a_foreign_status_is_missing(api, foreign_status):
    assert_error(api.get(f"{BASE}/get_jobapps", {"status_id": foreign_status["id"]}), 11, 404)
    assert_error(api.get(f"{BASE}/export_csv", {"status_id": foreign_status["id"]}), 11, 404)


def test_the_custom_status_endpoints_need_a_bearer(testapp):
    for path in ("add_status", "update_status", "delete_status"):
        assert_error(testapp.post_json(f"{BASE}/{path}", {"value": "x"}, expect_errors=True), 1, 401)


# Metrics and reporting treat them like the shared five, for their owner only.


def test_metrics_count_custom_statuses_for_their_owner_only(api, other_api, engine):
    mine = add_status(api, "Ghosted")
    theirs = add_status(other_api, "Withdrawn")
    for title in ("Engineer", "Engineer", "Designer"):
        api.post(f"{BASE}/add_jobapp", {"job_title": title, "company": "ACME", "status_id": mine["id"]})
    api.post(f"{BASE}/add_jobapp", {"job_title": "Engineer", "company": "ACME"})
    other_api.post(
        f"{BASE}/add_jobapp", {"job_title": "Engineer", "company": "ACME", "status_id": theirs["id"]}
    )

    assert assert_ok(api.get("/api/metrics/get_count_by_statuses")) == [
        {"name": "Applied", "value": 1},
        {"name": "Ghosted", "value": 3},
    ]
    matrix = assert_ok(api.get("/api/metrics/get_count_by_jobtitle_and_statuses"))
    assert matrix["statuses"] == [
        "Applied",
        "To Apply",
        "Phone Screen",
        "Onsite Interview",
        "Offer",
        "Ghosted",
    ]
    assert matrix["jobs"] == ["Engineer", "Designer"]
    assert matrix["data"][0] == {"name": "Applied", "data": [1, 0]}
    assert matrix["data"][5] == {"name": "Ghosted", "data": [2, 1]}
    other = assert_ok(other_api.get("/api/metrics/get_count_by_jobtitle_and_statuses"))
    assert "Ghosted" not in other["statuses"] and other["statuses"][-1] == "Withdrawn"
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT status, count FROM reporting.status_counts WHERE user_id = %s ORDER BY status_id",
            (api.user.id,),
        ).all()
    assert [tuple(row) for row in rows] == [("Applied", 1), ("Ghosted", 3)]
    assert_agree(engine)
