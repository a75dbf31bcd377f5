from sqlalchemy import func, select

from jobhax.accounts.models import User
from tests.api_client import assert_error, assert_ok

REGISTER = "/api/users/register"


def body(**overrides):
    data = {
        "first_name": "Joe",
        "last_name": "Smith",
        "username": "joesmith",
        "email": "joesmith@joe.com",
        "password": "Jobhax-2019-example",
        "password2": "Jobhax-2019-example",
    }
    data.update(overrides)
    return data


def users(db):
    return db.scalar(select(func.count()).select_from(User))


def test_register_creates_a_user_who_can_log_in(testapp, db, oauth_client):
    assert assert_ok(testapp.post_json(REGISTER, body())) is None
    user = db.scalar(select(User).where(User.username == "joesmith"))
    assert (user.first_name, user.last_name, user.email) == ("Joe", "Smith", "joesmith@joe.com")
    assert user.password_hash.startswith("$argon2id$")
    tokens = assert_ok(
        testapp.post_json(
            "/api/users/login",
            {
                "client_id": oauth_client["client_id"],
                "client_secret": oauth_client["client_secret"],
                "username": "joesmith",
                "password": "Jobhax-2019-example",
            },
        )
    )
    assert tokens["token_type"] == "Bearer"


def test_mismatched_passwords_answer_7(testapp, db):
    assert_error(testapp.post_json(REGISTER, body(password2="Jobhax-2019-other"), expect_errors=True), 7, 400)
    assert users(db) == 0


def test_taken_username_answers_8(testapp, db, factories):
    factories.user(username="joesmith", email="other@joe.com")
    assert_error(testapp.post_json(REGISTER, body(), expect_errors=True), 8, 409)
    assert users(db) == 1


def test_used_email_answers_9_whatever_its_case(testapp, db, factories):
    factories.user(username="someone", email="JoeSmith@Joe.com")
    assert_error(testapp.post_json(REGISTER, body(), expect_errors=True), 9, 409)
    assert users(db) == 1


def test_invalid_bodies_answer_10_and_create_nothing(testapp, db):
    for bad in (
        body(email="not-an-email"),
        body(username=""),
        body(password=5),
        {k: v for k, v in body().items() if k != "password2"},
        body(username="x" * 151),
    ):
        assert_error(testapp.post_json(REGISTER, bad, expect_errors=True), 10, 400)
    assert_error(
        testapp.post(REGISTER, "{not json", content_type="application/json", expect_errors=True), 10, 400
    )
    assert_error(testapp.post_json(REGISTER, [body()], expect_errors=True), 10, 400)
    assert users(db) == 0


def test_get_is_not_allowed(testapp):
    assert_error(testapp.get(REGISTER, expect_errors=True), 10, 405)
