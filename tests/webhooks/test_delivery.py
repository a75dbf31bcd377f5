"""Deliveries by real `jobhax worker` processes to a real receiver on 127.0.0.1: signed per Standard
Webhooks, in commit order, retried, given up on, exactly once per webhook-id across a killed worker,
and never sent to an address the production rules refuse."""

import datetime
import re

import pytest
from sqlalchemy import text

from jobhax.webhooks.events import EVENTS, TASK_NAME
from tests.api_client import assert_ok
from tests.webhooks.conftest import FAST_RETRIES, LOCAL_RECEIVERS
from tests.workers import wait_until

UTC_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def subscribe(api, url, events=EVENTS):
    return assert_ok(api.post("/api/users/add_webhook", {"url": url, "events": list(events)}))


def add_jobapp(api, title="Engineer", company="Acme"):
    return assert_ok(api.post("/api/jobapps/add_jobapp", {"job_title": title, "company": company}))


def delivered(receiver, count, timeout=60):
    return wait_until(
        lambda: (lambda accepted: accepted if len(accepted) >= count else None)(receiver.accepted()),
        timeout=timeout,
        message=f"{count} deliveries",
    )


def job_states(engine):
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT status, attempts FROM procrastinate_jobs WHERE task_name = :task ORDER BY id"),
            {"task": TASK_NAME},
        ).all()


def test_every_event_arrives_signed_in_commit_order(local_api, receiver, start_worker):
    hook = subscribe(local_api, f"{receiver.base_url}/hooks/jobhax?source=test")
    created = add_jobapp(local_api)
    assert_ok(local_api.post("/api/jobapps/update_jobapp", {"jobapp_id": created["id"], "status_id": 4}))
    assert_ok(local_api.post("/api/jobapps/update_jobapp", {"jobapp_id": created["id"], "rejected": True}))
    assert_ok(local_api.post("/api/jobapps/delete_jobapp", {"jobapp_id": created["id"]}))
    start_worker(concurrency=4, extra_env=LOCAL_RECEIVERS)

    deliveries = delivered(receiver, 5)
    bodies = [delivery.verify(hook["secret"]) for delivery in deliveries]
    assert [body["type"] for body in bodies] == [
        "jobapp.created",
        "jobapp.updated",
        "jobapp.status_changed",
        "jobapp.updated",
        "jobapp.deleted",
    ]
    assert bodies[0]["data"] == created
    assert bodies[2]["data"]["from_status"] == {"id": 1, "value": "Applied"}
    assert bodies[2]["data"]["to_status"] == {"id": 4, "value": "Onsite Interview"}
    assert bodies[2]["data"]["origin"] == "user"
    assert bodies[3]["data"]["isRejected"] is True
    assert all(UTC_Z.match(body["timestamp"]) for body in bodies)
    assert len({delivery.id for delivery in deliveries}) == 5
    for delivery in deliveries:
        assert delivery.path == "/hooks/jobhax"
        assert delivery.headers["content-type"] == "application/json"
        assert delivery.headers["webhook-signature"].startswith("v1,")
        sent = datetime.datetime.fromtimestamp(int(delivery.headers["webhook-timestamp"]), datetime.UTC)
        assert abs(datetime.datetime.now(datetime.UTC) - sent) < datetime.timedelta(minutes=5)
    # Another secret does not verify them: the signature is real.
    other = subscribe(local_api, f"{receiver.base_url}/other", ["jobapp.created"])
    with pytest.raises(Exception, match="signature"):
        deliveries[0].verify(other["secret"])
    assert len(receiver.received()) == 5


def test_failed_tries_are_retried_and_later_events_wait_for_them(local_api, receiver, start_worker, engine):
    hook = subscribe(local_api, f"{receiver.base_url}/hook", ["jobapp.created"])
    receiver.fail_next = 2
    first = add_jobapp(local_api, title="First")
    second = add_jobapp(local_api, title="Second")
    start_worker(concurrency=4, extra_env=LOCAL_RECEIVERS)

    deliveries = delivered(receiver, 2)
    received = receiver.received()
    assert [delivery.status for delivery in received] == [503, 503, 200, 200]
    # The first event is tried three times under one webhook-id before the second is sent at all.
    assert received[0].id == received[1].id == received[2].id != received[3].id
    assert [delivery.verify(hook["secret"])["data"]["id"] for delivery in received] == [first["id"]] * 3 + [
        second["id"]
    ]
    assert [delivery.json["data"]["jobTitle"] for delivery in deliveries] == ["First", "Second"]
    wait_until(lambda: [row.status for row in job_states(engine)] == ["succeeded", "succeeded"])
    assert [row.attempts for row in job_states(engine)] == [3, 1]  # runs, as procrastinate counts them
    assert assert_ok(local_api.get("/api/users/get_webhooks"))[0]["disabled"] is False


def test_a_hook_failing_past_the_give_up_time_is_disabled(local_api, receiver, start_worker, engine):
    subscribe(local_api, f"{receiver.base_url}/hook", ["jobapp.created"])
    receiver.fail_always = True
    add_jobapp(local_api, title="Never taken")
    add_jobapp(local_api, title="Behind it")
    start_worker(concurrency=2, extra_env=dict(LOCAL_RECEIVERS, JOBHAX_WEBHOOKS_GIVE_UP_SECONDS="2"))

    wait_until(
        lambda: assert_ok(local_api.get("/api/users/get_webhooks"))[0]["disabled"],
        timeout=60,
        message="disabled",
    )
    wait_until(lambda: {row.status for row in job_states(engine)} == {"succeeded"}, message="jobs done")
    received = receiver.received()
    assert len(received) >= 1
    assert {delivery.json["data"]["jobTitle"] for delivery in received} == {"Never taken"}
    # Nothing more is sent to a disabled hook.
    add_jobapp(local_api, title="After")
    assert len(job_states(engine)) == 2
    assert len(receiver.received()) == len(received)


def test_a_worker_killed_mid_delivery_loses_nothing_and_repeats_only_the_webhook_id(
    local_api, receiver, start_worker, engine
):
    hook = subscribe(local_api, f"{receiver.base_url}/hook", ["jobapp.created"])
    receiver.hold = True  # the first request waits until the worker that sent it is dead
    titles = [f"Application {n}" for n in range(5)]
    for title in titles:
        add_jobapp(local_api, title=title)
    doomed = start_worker(concurrency=2, extra_env=LOCAL_RECEIVERS)
    assert receiver.held.wait(60)
    doomed.kill()
    receiver.release()

    rescuer = start_worker(concurrency=2, extra_env=LOCAL_RECEIVERS)
    deliveries = delivered(receiver, len(titles))
    assert [delivery.verify(hook["secret"])["data"]["jobTitle"] for delivery in deliveries] == titles
    received = receiver.received()
    # The cut delivery came again with the same webhook-id; every other one came once.
    assert received[0].id == received[1].id == deliveries[0].id
    assert [delivery.id for delivery in received[1:]] == [delivery.id for delivery in deliveries]
    wait_until(lambda: {row.status for row in job_states(engine)} == {"succeeded"}, message="jobs done")
    assert "queued again" in rescuer.stop()


def test_production_rules_refuse_at_delivery_after_resolution(
    local_api, receiver, canary, start_worker, engine
):
    """Hooks accepted while local receivers were allowed, delivered by workers with production settings:
    a loopback literal and a name that resolves to loopback are refused without a connection."""
    subscribe(local_api, f"http://127.0.0.1:{canary.port}/hook", ["jobapp.created"])
    subscribe(local_api, f"https://localhost:{canary.port}/hook", ["jobapp.created"])
    add_jobapp(local_api)
    start_worker(concurrency=2, extra_env=dict(FAST_RETRIES, JOBHAX_WEBHOOKS_GIVE_UP_SECONDS="2"))

    wait_until(
        lambda: all(hook["disabled"] for hook in assert_ok(local_api.get("/api/users/get_webhooks"))),
        timeout=60,
        message="both hooks disabled",
    )
    assert all(row.attempts >= 1 for row in job_states(engine))
    assert canary.connections == 0
    assert receiver.received() == []
