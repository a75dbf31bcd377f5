"""The Postman collection, run by newman (Postman's command-line runner) against the app on 127.0.0.1.

A user with no Google or LinkedIn token, as after a fresh `make run`: every request passes its test
scripts, the ones that need a provider token are skipped, and a failed answer never replaces a token.
"""

import json
import subprocess

import pytest

from jobhax.ops.postman import NEEDS_PROVIDER_TOKEN
from tests.conftest import ROOT
from tests.servers import serve
from tests.system_packages import require

COLLECTION = ROOT / "docs" / "jobhax.postman_collection.json"
NPM_PREFIX = ROOT / "var" / "npm"
NEWMAN = "newman@6"


@pytest.fixture(scope="module")
def newman():
    """newman from the npm registry, installed once into var/npm (Debian's node and npm when missing)."""
    require("node", "nodejs")
    npm = require("npm", "npm")
    binary = NPM_PREFIX / "node_modules" / ".bin" / "newman"
    if not binary.exists():
        result = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(NPM_PREFIX), NEWMAN],
            capture_output=True,
            text=True,
            timeout=900,
        )
        if result.returncode != 0:
            pytest.skip(f"npm could not install {NEWMAN}: {result.stderr.strip()[-500:]}")
    return binary


def _names(collection):
    return [item["name"] for folder in collection["item"] for item in folder["item"]]


def run_newman(newman, base_url, client, report, **variables):
    env_vars = dict(
        baseUrl=base_url, clientId=client["client_id"], clientSecret=client["client_secret"], **variables
    )
    command = [
        str(newman),
        "run",
        str(COLLECTION),
        "--reporters",
        "cli,json",
        "--reporter-json-export",
        str(report),
    ]
    command += ["--color", "off", "--disable-unicode"]
    for name, value in env_vars.items():
        command += ["--env-var", f"{name}={value}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    return result, json.loads(report.read_text())["run"]


def test_the_collection_runs_green_top_to_bottom_without_provider_tokens(
    newman, app, clean_database, oauth_client, tmp_path
):
    collection = json.loads(COLLECTION.read_text(encoding="utf-8"))
    with serve(app, threads=4) as base_url:
        result, run = run_newman(newman, base_url, oauth_client, tmp_path / "report.json")
    assert result.returncode == 0, result.stdout[-6000:]
    assert run["failures"] == [] and run["stats"]["assertions"]["failed"] == 0
    answered = [execution["item"]["name"] for execution in run["executions"] if "response" in execution]
    skipped = set(_names(collection)) - set(answered)
    assert skipped == set(NEEDS_PROVIDER_TOKEN), skipped
    assert answered == [name for name in _names(collection) if name not in skipped]
    statuses = {
        execution["item"]["name"]: execution["response"]["code"]
        for execution in run["executions"]
        if "response" in execution
    }
    assert set(statuses.values()) == {200}, statuses
    assert run["stats"]["assertions"]["total"] >= len(answered) - 4  # the /oauth/revoke and /__*__ have none


def test_with_a_google_token_the_google_requests_run_too(
    newman, app, clean_database, oauth_client, provider, tmp_path
):
    provider.add_google_user("postman-google-token", "2001", "joe.postman@gmail.com")
    with serve(app, threads=4) as base_url:
        result, run = run_newman(
            newman, base_url, oauth_client, tmp_path / "report.json", googleToken="postman-google-token"
        )
    assert result.returncode == 0, result.stdout[-6000:]
    answered = {
        execution["item"]["name"]: execution["response"]["code"]
        for execution in run["executions"]
        if "response" in execution
    }
    assert {"auth_social_user", "update_gmail_token", "sync_user_emails"} <= set(answered)
    assert "get_linkedin_profile" not in answered
    assert set(answered.values()) == {200} and run["failures"] == []
