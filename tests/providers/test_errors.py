"""How every provider outcome maps to our exceptions: status codes, faults, timeouts, bad answers."""

import datetime
import socket

import pytest

from jobhax.providers import (
    ProviderError,
    ProviderNotFound,
    ProviderRejected,
    ProviderUnavailable,
    google,
    retry_after,
    setting,
    timeout,
)


@pytest.fixture
def google_user(provider):
    provider.add_google_user("google-token", "1001", "joe@example.com")
    return "google-token"


def test_success_sends_the_token_as_a_bearer_header(provider, provider_settings, google_user):
    assert google.userinfo(provider_settings, google_user)["sub"] == "1001"
    [call] = provider.calls("/oauth2/v3/userinfo")
    assert call["token"] == "google-token"


@pytest.mark.parametrize("status", [401, 403])
def test_401_and_403_are_rejected(provider, provider_settings, google_user, status):
    provider.fail("/oauth2/", status)
    with pytest.raises(ProviderRejected) as caught:
        google.userinfo(provider_settings, google_user)
    assert caught.value.status == status


def test_an_unknown_or_revoked_token_is_rejected(provider, provider_settings, google_user):
    with pytest.raises(ProviderRejected):
        google.userinfo(provider_settings, "unknown-token")
    provider.reject_token(google_user)
    with pytest.raises(ProviderRejected):
        google.userinfo(provider_settings, google_user)


def test_404_is_not_found(provider, provider_settings, google_user):
    provider.fail("/oauth2/", 404)
    with pytest.raises(ProviderNotFound) as caught:
        google.userinfo(provider_settings, google_user)
    assert caught.value.status == 404


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_429_and_5xx_are_unavailable(provider, provider_settings, google_user, status):
    provider.fail("/oauth2/", status)
    with pytest.raises(ProviderUnavailable) as caught:
        google.userinfo(provider_settings, google_user)
    assert caught.value.status == status
    assert caught.value.retry_after is None


def test_retry_after_in_seconds_is_kept(provider, provider_settings, google_user):
    provider.fail("/oauth2/", 429, retry_after=7)
    with pytest.raises(ProviderUnavailable) as caught:
        google.userinfo(provider_settings, google_user)
    assert caught.value.retry_after == 7.0


def test_retry_after_as_an_http_date_becomes_seconds(provider, provider_settings, google_user):
    when = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=120)
    provider.fail("/oauth2/", 503, retry_after=when.strftime("%a, %d %b %Y %H:%M:%S GMT"))
    with pytest.raises(ProviderUnavailable) as caught:
        google.userinfo(provider_settings, google_user)
    assert 100 < caught.value.retry_after <= 120


def test_retry_after_parsing():
    now = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    assert retry_after("3", now) == 3.0
    assert retry_after("Mon, 01 Jan 2024 00:00:30 GMT", now) == 30.0
    assert retry_after("Sun, 31 Dec 2023 00:00:00 GMT", now) == 0.0
    assert retry_after("soon", now) is None
    assert retry_after(None, now) is None


def test_other_4xx_is_a_plain_provider_error(provider, provider_settings, google_user):
    provider.fail("/oauth2/", 400)
    with pytest.raises(ProviderError) as caught:
        google.userinfo(provider_settings, google_user)
    assert type(caught.value) is ProviderError
    assert caught.value.status == 400


def test_faults_last_the_given_number_of_calls(provider, provider_settings, google_user):
    provider.fail("/oauth2/", 500, times=2)
    for _ in range(2):
        with pytest.raises(ProviderUnavailable):
            google.userinfo(provider_settings, google_user)
    assert google.userinfo(provider_settings, google_user)["sub"] == "1001"


def test_a_dropped_connection_is_unavailable(provider, provider_settings, google_user):
    provider.drop("/oauth2/")
    with pytest.raises(ProviderUnavailable) as caught:
        google.userinfo(provider_settings, google_user)
    assert caught.value.status is None


def test_nothing_listening_is_unavailable(provider_settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with pytest.raises(ProviderUnavailable):
        google.userinfo(dict(provider_settings, **{"jobhax.google_api_base": dead}), "google-token")


def test_a_slow_provider_times_out(provider, provider_settings, google_user):
    provider.latency = 0.3
    settings = dict(provider_settings, **{"jobhax.provider_timeout": 0.1})
    with pytest.raises(ProviderUnavailable) as caught:
        google.userinfo(settings, google_user)
    assert "timed out" in str(caught.value)


def test_latency_within_the_timeout_is_fine(provider, provider_settings, google_user):
    provider.latency = 0.05
    assert google.userinfo(provider_settings, google_user)["sub"] == "1001"


def test_an_answer_that_is_not_json_is_unavailable(provider, provider_settings):
    # Point the Google base at a job page: a 200 with HTML where JSON is expected.
    provider.add_job_page("oauth2/v3/userinfo", "<html>maintenance</html>")
    settings = dict(provider_settings, **{"jobhax.google_api_base": f"{provider.url}/jobs/view"})
    with pytest.raises(ProviderUnavailable) as caught:
        google.userinfo(settings, "google-token")
    assert caught.value.status == 200


def test_no_token_or_url_query_leaks_into_the_error_message(provider, provider_settings, google_user):
    provider.fail("/oauth2/", 500)
    with pytest.raises(ProviderUnavailable) as caught:
        google.userinfo(provider_settings, google_user)
    assert "google-token" not in str(caught.value)


def test_settings_fall_back_to_the_configuration_defaults():
    assert setting({}, "jobhax.google_api_base") == "https://www.googleapis.com"
    assert timeout({}) == 10.0
    assert timeout({"jobhax.provider_timeout": "2.5"}) == 2.5
