"""The second-wave endpoints issue a fixed number of SQL statements, however much the caller has.

(export_csv and import_csv are counted in tests/jobapps/test_csv.py.)
"""

import pytest
from sqlalchemy import text

from tests.api_client import ApiClient, assert_ok

BASE = "/api/jobapps"
MANY = 40


def _client(testapp, factories):
    user = factories.user()
    return ApiClient(testapp, user, factories.access_token(user))


def _seed(engine, client, jobapps, custom_statuses):
    """``jobapps`` applications in pairs of duplicates, each with a note, and ``custom_statuses`` statuses."""
    with engine.begin() as connection:
        ids = (
            connection.execute(
                text("""INSERT INTO job_applications
                        (user_id, job_title, company, source, status_id, apply_date)
                    SELECT :u, 'Engineer ' || (g / 2), 'Acme ' || (g / 2) || CASE WHEN g % 2 = 0 THEN ', Inc.'
                           ELSE '' END, '', 1, timestamptz '2019-01-01' + g * interval '1 day'
                    FROM generate_series(0, :n - 1) g RETURNING id"""),
                {"u": client.user.id, "n": jobapps},
            )
            .scalars()
            .all()
        )
        connection.execute(
            text("""INSERT INTO status_history (user_id, jobapp_id, status_id, changed_at)
                    SELECT :u, id, 1, now() FROM unnest(CAST(:ids AS integer[])) id"""),
            {"u": client.user.id, "ids": ids},
        )
        connection.execute(
            text("""INSERT INTO notes (user_id, jobapp_id, description, created_at)
                    SELECT :u, id, 'note', now() FROM unnest(CAST(:ids AS integer[])) id"""),
            {"u": client.user.id, "ids": ids},
        )
        connection.execute(
            text("""INSERT INTO application_statuses (user_id, value, position)
                    SELECT :u, 'Stage ' || g, 5 + g FROM generate_series(1, :n) g"""),
            {"u": client.user.id, "n": custom_statuses},
        )
    return ids


def _count(count_statements, client, method, path, params):
    client.get(f"{BASE}/get_statuses")  # Warm the pool: connection set-up is never counted.
    with count_statements() as counter:
        response = client.get(path, params) if method == "GET" else client.post(path, params)
    assert_ok(response)
    return counter.count, response


def _statuses(client):
    return assert_ok(client.get(f"{BASE}/get_statuses"))


CASES = {
    "get_statuses": lambda ids, statuses: ("GET", {}),
    "get_duplicates": lambda ids, statuses: ("GET", {}),
    "add_status": lambda ids, statuses: ("POST", {"value": "Brand new"}),
    "update_status": lambda ids, statuses: ("POST", {"status_id": statuses[-1]["id"], "value": "Renamed"}),
    "delete_status": lambda ids, statuses: ("POST", {"status_id": statuses[-1]["id"], "replace_with": 3}),
    "merge_jobapps": lambda ids, statuses: ("POST", {"keep_id": ids[0], "merge_ids": ids[1:]}),
    "update_jobapp": lambda ids, statuses: (
        "POST",
        {
            "jobapp_id": ids[0],
            "job_title": "Lead",
            "company": "Initech",
            "source": "Indeed",
            "application_date": "2019-06-01",
            "job_url": "https://initech.example/1",
            "location": "Austin",
            "status_id": statuses[-1]["id"],
            "rejected": True,
        },
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_endpoint_issues_the_same_statements_for_few_and_many_rows(
    testapp, factories, engine, count_statements, name
):
    counts = []
    for jobapps, custom in ((2, 1), (MANY, 48)):
        client = _client(testapp, factories)
        ids = _seed(engine, client, jobapps, custom)
        if name == "delete_status":
            # The status to delete holds every application.
            with engine.begin() as connection:
                connection.execute(
                    text("""UPDATE job_applications SET status_id =
                            (SELECT max(id) FROM application_statuses WHERE user_id = :u)
                            WHERE user_id = :u"""),
                    {"u": client.user.id},
                )
        method, params = CASES[name](ids, _statuses(client))
        count, response = _count(count_statements, client, method, f"{BASE}/{name}", params)
        counts.append(count)
        if name == "get_duplicates":
            assert len(response.json["data"]) == jobapps // 2
        if name == "get_statuses":
            assert len(response.json["data"]) == 5 + custom
    assert counts[0] == counts[1], counts
