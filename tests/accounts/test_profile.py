"""get_profile and update_profile; social logins with a provider-verified email count as verified."""

from tests.accounts.test_social import social_login
from tests.api_client import ApiClient, assert_error, assert_ok

PROFILE = "/api/users/get_profile"
UPDATE = "/api/users/update_profile"


def test_the_profile_of_a_registered_user(api):
    profile = assert_ok(api.get(PROFILE))
    created_at = profile.pop("created_at")
    assert profile == {
        "id": api.user.id,
        "username": api.user.username,
        "email": api.user.email,
        "email_verified": False,
        "first_name": "",
        "last_name": "",
        "providers": [],
    }
    assert created_at.endswith("Z") and len(created_at) == 20


def test_a_google_login_with_a_verified_email_is_verified_and_lists_its_providers(
    testapp, provider, oauth_client
):
    provider.add_google_user("google-token", "1001", "joe@gmail.com", given_name="Joe")
    tokens = assert_ok(social_login(testapp, oauth_client))
    client = ApiClient(testapp, None, tokens["access_token"])
    profile = assert_ok(client.get(PROFILE))
    assert (profile["email"], profile["email_verified"], profile["first_name"]) == (
        "joe@gmail.com",
        True,
        "Joe",
    )
    assert profile["providers"] == ["google-oauth2"]


def test_a_google_login_without_a_verified_email_is_not_verified(testapp, provider, oauth_client):
    provider.add_google_user("google-token", "1002", "ann@gmail.com", email_verified=False)
    tokens = assert_ok(social_login(testapp, oauth_client))
    profile = assert_ok(ApiClient(testapp, None, tokens["access_token"]).get(PROFILE))
    assert profile["email_verified"] is False


def test_update_profile_changes_the_given_names_only(api, other_api):
    assert assert_ok(api.post(UPDATE, {"first_name": "Joe"}))["first_name"] == "Joe"
    profile = assert_ok(api.post(UPDATE, {"last_name": "Smith", "username": "hijack", "email": "x@y.z"}))
    assert (profile["first_name"], profile["last_name"]) == ("Joe", "Smith")
    assert (profile["username"], profile["email"]) == (api.user.username, api.user.email)
    assert_error(api.post(UPDATE, {"username": "hijack"}), 10, 400)  # neither name: nothing to change
    assert assert_ok(api.post(UPDATE, {"first_name": ""}))["first_name"] == ""
    assert assert_ok(other_api.get(PROFILE))["first_name"] == ""


def test_update_profile_validates_and_both_need_a_bearer(api, testapp):
    for body in ({"first_name": 5}, {"last_name": "x" * 151}, {"first_name": "a\u0000b"}):
        assert_error(api.post(UPDATE, body), 10, 400)
    assert_error(testapp.get(PROFILE, expect_errors=True), 1, 401)
    assert_error(testapp.post_json(UPDATE, {}, expect_errors=True), 1, 401)


def test_profile_endpoints_issue_a_fixed_number_of_statements(api, count_statements, factories):
    api.get(PROFILE)
    with count_statements() as counter:
        assert_ok(api.get(PROFILE))
    assert counter.count == 2  # the bearer, then the user with their providers
    with count_statements() as counter:
        assert_ok(api.post(UPDATE, {"first_name": "Joe", "last_name": "Smith"}))
    assert counter.count == 3
