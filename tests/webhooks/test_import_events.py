"""A Gmail import run by a real worker tells the hook about each application it created, then that it
finished (with the sync_status object), in that order, signed."""

from tests.api_client import ApiClient, assert_ok
from tests.mailimport import mailboxes
from tests.webhooks.conftest import LOCAL_RECEIVERS
from tests.workers import wait_until

TOKEN = "google-token-with-hooks"


def test_an_import_delivers_jobapp_created_for_each_application_then_import_finished(
    local_api, oauth_client, provider, receiver, start_worker
):
    provider.add_google_user(TOKEN, "9001", "hooked@gmail.com")
    tokens = assert_ok(
        local_api.testapp.post_json(
            "/api/users/auth_social_user",
            {
                "client_id": oauth_client["client_id"],
                "client_secret": oauth_client["client_secret"],
                "provider": "google-oauth2",
                "token": TOKEN,
            },
        )
    )
    client = ApiClient(local_api.testapp, None, tokens["access_token"])
    hook = assert_ok(
        client.post(
            "/api/users/add_webhook",
            {"url": f"{receiver.base_url}/hook", "events": ["jobapp.created", "import.finished"]},
        )
    )
    for n in range(3):
        provider.add_message(TOKEN, mailboxes.application(n))
    start_worker(concurrency=2, extra_env=dict(LOCAL_RECEIVERS, JOBHAX_IMPORT_RETRY_SECONDS="0"))
    assert_ok(client.get("/api/users/sync_user_emails"))

    deliveries = wait_until(
        lambda: (lambda accepted: accepted if len(accepted) >= 4 else None)(receiver.accepted()),
        timeout=60,
        message="three applications and the end of the import",
    )
    bodies = [delivery.verify(hook["secret"]) for delivery in deliveries]
    assert [body["type"] for body in bodies] == ["jobapp.created"] * 3 + ["import.finished"]
    jobapps = assert_ok(client.get("/api/jobapps/get_jobapps"))
    assert sorted(body["data"]["id"] for body in bodies[:3]) == sorted(jobapp["id"] for jobapp in jobapps)
    assert {body["data"]["id"]: body["data"] for body in bodies[:3]} == {
        jobapp["id"]: jobapp for jobapp in jobapps
    }
    finished = bodies[3]["data"]
    assert finished == assert_ok(client.get("/api/users/sync_status"))
    assert finished["state"] == "done" and finished["jobapps_created"] == 3
