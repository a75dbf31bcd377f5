"""Google and LinkedIn identity, LinkedIn profile and job pages against the fake."""

import pytest

from jobhax.providers import ProviderNotFound, ProviderRejected, ProviderUnavailable, google, linkedin


def test_google_userinfo(provider, provider_settings):
    provider.add_google_user(
        "g-token", "42", "joe@example.com", email_verified=False, given_name="Joe", family_name="Smith"
    )
    info = google.userinfo(provider_settings, "g-token")
    assert {
        key: info[key] for key in ("sub", "email", "email_verified", "given_name", "family_name", "name")
    } == {
        "sub": "42",
        "email": "joe@example.com",
        "email_verified": False,
        "given_name": "Joe",
        "family_name": "Smith",
        "name": "Joe Smith",
    }


def test_google_and_linkedin_tokens_are_separate(provider, provider_settings):
    provider.add_google_user("g-token", "42", "joe@example.com")
    with pytest.raises(ProviderRejected):
        linkedin.userinfo(provider_settings, "g-token")


def test_linkedin_userinfo_and_profile(provider, provider_settings):
    provider.add_linkedin_user(
        "li-token", "yrZCpj2Z12", "bob@example.com", given_name="Bob", family_name="Smith"
    )
    assert linkedin.userinfo(provider_settings, "li-token")["sub"] == "yrZCpj2Z12"
    profile = linkedin.profile(provider_settings, "li-token")
    assert profile["localizedFirstName"] == "Bob" and profile["id"] == "yrZCpj2Z12"
    assert [call["path"] for call in provider.calls("/v2/")] == ["/v2/userinfo", "/v2/me"]


def test_linkedin_profile_rejected(provider, provider_settings):
    provider.add_linkedin_user("li-token", "1", "bob@example.com")
    provider.fail("/v2/me", 401)
    with pytest.raises(ProviderRejected):
        linkedin.profile(provider_settings, "li-token")


def test_job_page_is_plain_html_without_a_token(provider, provider_settings):
    provider.add_job_page("1234567", "<html><body>Android Developer</body></html>")
    assert "Android Developer" in linkedin.job_page(provider_settings, 1234567)
    [call] = provider.calls("/jobs/view/")
    assert call["path"] == "/jobs/view/1234567/" and call["token"] is None


def test_missing_job_page_is_not_found(provider, provider_settings):
    with pytest.raises(ProviderNotFound):
        linkedin.job_page(provider_settings, "999")


def test_job_page_failures_are_unavailable(provider, provider_settings):
    provider.add_job_page("1", "<html></html>")
    provider.fail("/jobs/view/", 503)
    with pytest.raises(ProviderUnavailable):
        linkedin.job_page(provider_settings, "1")
    provider.latency = 0.7
    with pytest.raises(ProviderUnavailable):
        linkedin.job_page(provider_settings, "1")


def test_job_id_cannot_escape_the_job_path(provider, provider_settings):
    with pytest.raises(ProviderNotFound):
        linkedin.job_page(provider_settings, "../../oauth2/v3/userinfo")
    assert provider.calls()[0]["path"].startswith("/jobs/view/")
