"""Settings: provider base URLs are https, or http on a loopback host; anything else stops the start."""

import subprocess
import sys

import pytest

from jobhax import main
from jobhax.config import PROVIDER_BASES, ConfigurationError, load_settings
from tests.api_client import assert_ok
from tests.conftest import ROOT, TEST_SECRET_KEY

LOOPBACK = [
    "http://127.0.0.1:8080",
    "http://127.0.0.1",
    "http://127.1.2.3:9/prefix",
    "http://localhost:5000",
    "http://LOCALHOST:5000/",
    "http://[::1]:8443",
]
REFUSED = [
    "http://example.com",
    "http://www.googleapis.com",
    "http://10.0.0.5:8080",
    "http://192.168.1.1",
    "http://0.0.0.0:8080",
    "http://[::]:8080",
    "http://127.0.0.1.nip.io",
    "http://localhost.example.com",
    "http://user@evil.com#@127.0.0.1",
    "ftp://127.0.0.1",
    "127.0.0.1:8080",
    "https://",
    "http://127.0.0.1:notaport",
]


def _settings(tmp_path, **overrides):
    return {
        "jobhax.env": "testing",
        "jobhax.secret_key": TEST_SECRET_KEY,
        "jobhax.var_dir": str(tmp_path),
        **overrides,
    }


@pytest.mark.parametrize("name", PROVIDER_BASES)
@pytest.mark.parametrize("base", [*LOOPBACK, "https://www.googleapis.com", "https://example.com:8443/api"])
def test_https_or_loopback_http_bases_are_accepted(tmp_path, name, base):
    assert load_settings(_settings(tmp_path, **{name: base}))[name] == base


@pytest.mark.parametrize("name", PROVIDER_BASES)
@pytest.mark.parametrize("base", REFUSED)
def test_any_other_base_stops_the_start_with_a_clear_message(tmp_path, name, base):
    with pytest.raises(ConfigurationError) as raised:
        load_settings(_settings(tmp_path, **{name: base}))
    assert name in str(raised.value) and "loopback" in str(raised.value) and repr(base) in str(raised.value)


@pytest.mark.parametrize("name", PROVIDER_BASES)
def test_an_empty_base_means_the_real_service(tmp_path, name):
    assert load_settings(_settings(tmp_path, **{name: " "}))[name].startswith("https://")


def test_the_environment_variable_is_checked_too(tmp_path, monkeypatch):
    monkeypatch.setenv("JOBHAX_LINKEDIN_WEB_BASE", "http://jobs.example.com")
    with pytest.raises(ConfigurationError, match="JOBHAX_LINKEDIN_WEB_BASE"):
        main({}, **_settings(tmp_path, **{"sqlalchemy.url": "postgresql://unused@127.0.0.1:9/unused"}))


def test_serve_refuses_to_start_on_a_plain_http_remote_provider(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "jobhax.cli", "--ini", "development.ini", "serve", "--port", "9"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "JOBHAX_DATABASE_URL": "postgresql://unused@127.0.0.1:9/unused",
            "JOBHAX_VAR_DIR": str(tmp_path),
            "JOBHAX_GOOGLE_API_BASE": "http://www.googleapis.com",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "configuration error: jobhax.google_api_base (JOBHAX_GOOGLE_API_BASE) must be an https:// URL" in (
        result.stderr
    )
    assert "serving on" not in result.stdout


def test_a_loopback_http_provider_works_without_oauthlib_insecure_transport(
    testapp, provider, oauth_client, monkeypatch
):
    """The tests' fake provider is plain http on 127.0.0.1; nothing in the process allows insecure
    transport."""
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)
    assert provider.url.startswith("http://127.0.0.1:")
    provider.add_google_user("google-token", "1001", "joe.smith@gmail.com")
    body = {
        "client_id": oauth_client["client_id"],
        "client_secret": oauth_client["client_secret"],
        "provider": "google-oauth2",
        "token": "google-token",
    }
    tokens = assert_ok(testapp.post_json("/api/users/auth_social_user", body))
    assert tokens["access_token"]
    assert [call["token"] for call in provider.calls("/oauth2/v3/userinfo")] == ["google-token"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("1", True), ("yes", True), ("On", True), ("false", False), ("0", False), ("no", False)],
)
def test_legacy_http_status_is_a_flag(tmp_path, monkeypatch, raw, expected):
    monkeypatch.setenv("JOBHAX_LEGACY_HTTP_STATUS", raw)
    assert load_settings(_settings(tmp_path))["jobhax.legacy_http_status"] is expected


def test_legacy_http_status_is_off_by_default_and_refuses_garbage(tmp_path, monkeypatch):
    monkeypatch.delenv("JOBHAX_LEGACY_HTTP_STATUS", raising=False)
    assert load_settings(_settings(tmp_path))["jobhax.legacy_http_status"] is False
    monkeypatch.setenv("JOBHAX_LEGACY_HTTP_STATUS", "sometimes")
    with pytest.raises(ConfigurationError, match="JOBHAX_LEGACY_HTTP_STATUS"):
        load_settings(_settings(tmp_path))
