"""get_jobapps keyset pagination (beyond the spec, off unless ``limit`` is given) and its JSON built by SQL."""

import datetime

import pytest

from jobhax.jobapps import queries
from jobhax.jobapps.serializers import encode_cursor, jobapp_json
from tests.api_client import ApiClient, assert_error, assert_ok
from tests.jobapps.conftest import BASE

START = datetime.datetime(2019, 3, 1, 12, tzinfo=datetime.UTC)


def page(api, **params):
    return assert_ok(api.get(f"{BASE}/get_jobapps", params))


def walk(api, limit, **params):
    """Every page from the first, following next_cursor; the list of pages' ids."""
    pages = []
    cursor = None
    while True:
        query = dict(params, limit=limit, **({"cursor": cursor} if cursor else {}))
        data = page(api, **query)
        assert set(data) == {"items", "next_cursor"}
        pages.append([item["id"] for item in data["items"]])
        cursor = data["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 100, "pagination does not end"


@pytest.fixture
def spread(api, factories):
    """Seven applications: three share one applyDate, two share another second but not its microseconds."""
    dates = [
        START,
        START,
        START,
        START + datetime.timedelta(days=1),
        START + datetime.timedelta(days=2, microseconds=1),
        START + datetime.timedelta(days=2),
        START - datetime.timedelta(days=30),
    ]
    created = [
        factories.jobapp(api.user, status_id=1 + n % 2, application_date=date) for n, date in enumerate(dates)
    ]
    return sorted(created, key=lambda jobapp: (jobapp.apply_date, jobapp.id), reverse=True)


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 8])
def test_pages_cover_every_row_once_in_the_list_order(api, spread, limit):
    pages = walk(api, limit)
    assert [jobapp_id for ids in pages for jobapp_id in ids] == [jobapp.id for jobapp in spread]
    assert all(len(ids) == limit for ids in pages[:-1]) and 1 <= len(pages[-1]) <= limit


def test_ties_on_apply_date_are_ordered_by_id_descending_across_pages(api, factories):
    same = [factories.jobapp(api.user, application_date=START) for _ in range(5)]
    assert walk(api, 2) == [[same[4].id, same[3].id], [same[2].id, same[1].id], [same[0].id]]


def test_a_full_last_page_has_no_next_cursor(api, spread):
    assert page(api, limit=7)["next_cursor"] is None
    first = page(api, limit=6)
    assert first["next_cursor"] is not None
    assert page(api, limit=6, cursor=first["next_cursor"]) == {
        "items": [page(api)[-1]],
        "next_cursor": None,
    }


def test_items_are_the_objects_of_the_plain_list(api, spread):
    assert page(api, limit=1000)["items"] == page(api)


def test_an_empty_list_is_one_empty_page(api):
    assert page(api, limit=10) == {"items": [], "next_cursor": None}


def test_the_status_filter_pages_through_its_own_rows_only(api, spread):
    applied = [jobapp.id for jobapp in spread if jobapp.status_id == 1]
    pages = walk(api, 2, status_id=1)
    assert [jobapp_id for ids in pages for jobapp_id in ids] == applied
    assert len(pages) == 2


def test_a_cursor_from_a_row_deleted_since_still_continues_after_it(api, spread):
    first = page(api, limit=2)
    assert_ok(api.post(f"{BASE}/delete_jobapp", {"jobapp_id": spread[1].id}))
    rest = page(api, limit=10, cursor=first["next_cursor"])["items"]
    assert [item["id"] for item in rest] == [jobapp.id for jobapp in spread[2:]]


def test_deleted_applications_never_appear(api, factories, spread):
    factories.jobapp(api.user, application_date=START, deleted=True)
    assert [jobapp_id for ids in walk(api, 3) for jobapp_id in ids] == [jobapp.id for jobapp in spread]


def test_another_users_applications_never_appear(api, other_api, factories, spread):
    for _ in range(3):
        factories.jobapp(other_api.user, application_date=START)
    assert [jobapp_id for ids in walk(api, 2) for jobapp_id in ids] == [jobapp.id for jobapp in spread]


def test_a_cursor_means_the_same_position_to_anyone(api, other_api, factories):
    mine = factories.jobapp(api.user, application_date=START)
    theirs = [
        factories.jobapp(other_api.user, application_date=START + datetime.timedelta(days=d)) for d in (-1, 1)
    ]
    cursor = encode_cursor(mine.apply_date, mine.id)
    assert [item["id"] for item in page(other_api, limit=5, cursor=cursor)["items"]] == [theirs[0].id]


# Without ``limit`` the answer is exactly the spec's: a plain list in the envelope.


def test_without_limit_the_answer_is_the_plain_list_of_the_spec(api, spread):
    response = api.get(f"{BASE}/get_jobapps")
    assert response.content_type == "application/json"
    assert set(response.json) == {"success", "error_code", "error_message", "data"}
    assert [item["id"] for item in assert_ok(response)] == [jobapp.id for jobapp in spread]


def test_the_sql_built_list_equals_the_python_serializer(api, factories, db):
    factories.jobapp(
        api.user,
        job_title="🤖 Lead Android Engineer",
        company="OpenPhone ",
        source="Hired.com",
        msg_id="1687ccad52768659",
        company_logo="/static/images/errorcvlogobright.png",
        application_date=datetime.datetime(2019, 1, 23, 14, 18, 12, 654321, tzinfo=datetime.UTC),
    )
    factories.jobapp(
        api.user,
        job_title='quote " and \\ backslash\t',
        company="Ünïcode\nline",
        source="",
        status_id=3,
        application_date=datetime.datetime(
            2019, 1, 23, 23, 59, 59, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))
        ),
    )
    rejected = factories.jobapp(api.user, status_id=5)
    assert_ok(api.post(f"{BASE}/update_jobapp", {"jobapp_id": rejected.id, "rejected": True}))
    db.expire_all()  # The factories' session still holds the rows as created.
    expected = [
        jobapp_json(jobapp, status, last_update)
        for jobapp, status, last_update in queries.list_jobapps(db, api.user.id)
    ]
    db.commit()
    assert len(expected) == 3
    assert page(api) == expected
    assert page(api, status_id=3) == [row for row in expected if row["applicationStatus"]["id"] == 3]
    assert page(api, limit=3)["items"] == expected


# Failures.


@pytest.mark.parametrize("limit", ["0", "1001", "abc", "1.5", "-1", "", "true", "99999999999"])
def test_a_limit_out_of_bounds_or_not_an_integer_answers_10(api, limit):
    assert_error(api.get(f"{BASE}/get_jobapps", {"limit": limit}), 10, 400)


def test_the_limit_bounds_themselves_are_accepted(api, spread):
    assert len(page(api, limit=1)["items"]) == 1
    assert len(page(api, limit="1000")["items"]) == 7


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "abc",
        "!!!",
        "W10",
        "WzEsMl0",
        "WyIyMDE5LTAxLTAxIiwgMV0",
        "WyJub3QgYSBkYXRlIiwxXQ",
        "WyIyMDE5LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwidHJ1ZSJd",
        "WyIyMDE5LTAxLTAxVDAwOjAwOjAwKzAwOjAwIix0cnVlXQ",
        "w7w",
        "%FF",
    ],
)
def test_a_cursor_that_is_not_a_next_cursor_answers_10(api, cursor):
    assert_error(api.get(f"{BASE}/get_jobapps", {"limit": 2, "cursor": cursor}), 10, 400)


@pytest.mark.parametrize("jobapp_id", [0, -1, 2**63])
def test_a_cursor_with_an_impossible_id_answers_10(api, jobapp_id):
    cursor = encode_cursor(START, jobapp_id)
    assert_error(api.get(f"{BASE}/get_jobapps", {"limit": 2, "cursor": cursor}), 10, 400)


def test_a_cursor_without_limit_answers_10(api, spread):
    cursor = page(api, limit=2)["next_cursor"]
    assert_error(api.get(f"{BASE}/get_jobapps", {"cursor": cursor}), 10, 400)


def test_paging_with_an_unknown_status_answers_11(api, spread):
    assert_error(api.get(f"{BASE}/get_jobapps", {"limit": 2, "status_id": 99}), 11, 404)


def test_paging_needs_a_bearer_token(testapp):
    assert_error(testapp.get(f"{BASE}/get_jobapps", {"limit": 2}, expect_errors=True), 1, 401)


# Cost.


def _statements(count_statements, client, **params):
    client.get(f"{BASE}/get_statuses")  # Warm the pool so connection set-up is never counted.
    with count_statements() as counter:
        assert_ok(client.get(f"{BASE}/get_jobapps", params))
    return counter.count


def test_a_page_issues_the_same_statements_for_few_and_many_rows_and_any_depth(
    count_statements, testapp, factories
):
    clients = []
    for size in (1, 60):
        user = factories.user()
        for day in range(size):
            factories.jobapp(user, application_date=START + datetime.timedelta(days=day))
        clients.append(ApiClient(testapp, user, factories.access_token(user)))
    small, large = clients
    deep = page(large, limit=20)["next_cursor"]
    deep = page(large, limit=20, cursor=deep)["next_cursor"]
    pages = {
        _statements(count_statements, small, limit=20),
        _statements(count_statements, large, limit=20),
        _statements(count_statements, large, limit=20, cursor=deep),
        _statements(count_statements, small),
        _statements(count_statements, large),
    }
    filtered = {  # One more: the status is checked to exist (11).
        _statements(count_statements, small, limit=20, status_id=1),
        _statements(count_statements, large, limit=20, cursor=deep, status_id=1),
    }
    assert len(pages) == 1 and len(filtered) == 1
