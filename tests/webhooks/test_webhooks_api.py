"""Webhook endpoints: the secret shown once, URLs refused as an attacker would try them, quota, ownership."""

import base64

import pytest
from sqlalchemy import text

from jobhax.quotas import WEBHOOKS as MAX_WEBHOOKS
from jobhax.webhooks.events import EVENTS
from tests.api_client import ApiClient, assert_error, assert_ok

ADD = "/api/users/add_webhook"
LIST = "/api/users/get_webhooks"
DELETE = "/api/users/delete_webhook"
PUBLIC = "https://93.184.216.34/hooks/jobhax"  # a public address: accepted without any connection


def add(api, url=PUBLIC, events=("jobapp.created",)):
    return api.post(ADD, {"url": url, "events": list(events)})


def test_add_webhook_answers_the_secret_once_and_stores_it_encrypted(api, db):
    hook = assert_ok(add(api, events=EVENTS))
    assert hook == {"id": hook["id"], "url": PUBLIC, "events": list(EVENTS), "secret": hook["secret"]}
    assert hook["secret"].startswith("whsec_")
    assert len(base64.b64decode(hook["secret"].removeprefix("whsec_"))) == 24
    assert assert_ok(api.get(LIST)) == [
        {"id": hook["id"], "url": PUBLIC, "events": list(EVENTS), "disabled": False}
    ]
    stored = db.execute(text("SELECT secret_encrypted, user_id FROM webhooks")).one()
    assert hook["secret"] not in stored.secret_encrypted
    assert hook["secret"].removeprefix("whsec_") not in stored.secret_encrypted
    assert stored.user_id == api.user.id
    # Each hook has its own secret.
    assert assert_ok(add(api))["secret"] != hook["secret"]


# Production settings (webhooks_allow_private false): every one of these is refused with 10. Only literal
# addresses and localhost (/etc/hosts): no test sends anything, not even a DNS query, off this machine.
REFUSED = [
    "https://169.254.169.254/latest/meta-data/",  # cloud metadata
    "https://169.254.1.1/",
    "https://[fe80::1]/",
    "https://[fd00:ec2::254]/",  # AWS metadata over IPv6
    "https://10.0.0.1/hook",
    "https://172.16.5.4/",
    "https://192.168.1.1/",
    "https://100.64.0.1/",  # carrier-grade NAT: not public
    "https://[fc00::1]/",  # unique-local
    "https://[::1]/hook",
    "https://[::ffff:127.0.0.1]/",  # loopback inside IPv6
    "https://[::ffff:169.254.169.254]/",
    "https://localhost/hook",
    "https://LocalHost/hook",
    "https://127.0.0.1/",
    "https://127.1/",  # inet_aton shorthand
    "https://2130706433/",  # 127.0.0.1 as one decimal number
    "https://0.0.0.0/",
    "https://[::]/",
    "https://224.0.0.1/",
    "http://93.184.216.34/",  # http to a public address
    "ftp://93.184.216.34/",
    "javascript:alert(1)",
    "https://user:pass@93.184.216.34/",
    "https:///no-host",
    "not a url",
    "https://93.184.216.34:99999/",
]


@pytest.mark.parametrize("url", REFUSED)
def test_refused_urls_answer_10_and_store_nothing(api, db, url):
    assert_error(add(api, url), 10, 400)
    assert db.scalar(text("SELECT count(*) FROM webhooks")) == 0


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.0.0.2"])
def test_a_refused_url_is_never_connected_to(api, canary, host):
    for scheme in ("https", "http"):
        assert_error(add(api, f"{scheme}://{host}:{canary.port}/hook"), 10, 400)
    assert canary.connections == 0


def test_with_webhooks_allow_private_local_receivers_are_allowed_but_never_link_local(local_api, canary):
    for url in (
        f"http://127.0.0.1:{canary.port}/hook",
        f"https://localhost:{canary.port}/",
        "https://10.0.0.1/",
    ):
        assert assert_ok(add(local_api, url))["url"] == url
    for url in (
        "https://169.254.169.254/",
        "http://169.254.169.254/",
        "https://[fe80::1]/",
        "http://0.0.0.0/",
    ):
        assert_error(add(local_api, url), 10, 400)
    assert canary.connections == 0


@pytest.mark.parametrize(
    "body",
    [
        {"url": PUBLIC},
        {"url": PUBLIC, "events": []},
        {"url": PUBLIC, "events": ["jobapp.exploded"]},
        {"url": PUBLIC, "events": ["jobapp.created", "jobapp.created"]},
        {"url": PUBLIC, "events": "jobapp.created"},
        {"url": PUBLIC, "events": [1]},
        {"events": ["jobapp.created"]},
        {"url": "", "events": ["jobapp.created"]},
        {"url": "https://93.184.216.34/" + "a" * 2048, "events": ["jobapp.created"]},
    ],
)
def test_add_webhook_refuses_bad_parameters(api, body):
    assert_error(api.post(ADD, body), 10, 400)


def test_ten_webhooks_per_user_then_17(api, other_api):
    for _ in range(MAX_WEBHOOKS):
        assert_ok(add(api))
    assert_error(add(api), 17, 409)
    assert len(assert_ok(api.get(LIST))) == MAX_WEBHOOKS
    assert_ok(add(other_api))  # per user
    first = assert_ok(api.get(LIST))[0]
    assert_ok(api.post(DELETE, {"webhook_id": first["id"]}))
    assert_ok(add(api))


def test_delete_webhook_is_owned(api, other_api):
    mine = assert_ok(add(api))
    theirs = assert_ok(add(other_api))
    assert_error(api.post(DELETE, {"webhook_id": theirs["id"]}), 11, 404)
    assert_error(api.post(DELETE, {"webhook_id": 999999}), 11, 404)
    assert_error(api.post(DELETE, {"webhook_id": "abc"}), 10, 400)
    assert [hook["id"] for hook in assert_ok(other_api.get(LIST))] == [theirs["id"]]
    assert assert_ok(api.post(DELETE, {"webhook_id": str(mine["id"])})) is None
    assert assert_ok(api.get(LIST)) == []
    assert_error(api.post(DELETE, {"webhook_id": mine["id"]}), 11, 404)


def test_webhook_endpoints_need_a_bearer(testapp):
    assert_error(testapp.get(LIST, expect_errors=True), 1, 401)
    assert_error(
        testapp.post_json(ADD, {"url": PUBLIC, "events": ["jobapp.created"]}, expect_errors=True), 1, 401
    )
    assert_error(testapp.post_json(DELETE, {"webhook_id": 1}, expect_errors=True), 1, 401)


def _call(name, api, webhook_id):
    if name == "add":
        return add(api)
    if name == "list":
        return api.get(LIST)
    return api.post(DELETE, {"webhook_id": webhook_id})


@pytest.mark.parametrize("name", ["add", "list", "delete"])
def test_each_webhook_endpoint_issues_the_same_statements_for_few_and_many(
    count_statements, testapp, factories, name
):
    counts = []
    for size in (1, MAX_WEBHOOKS - 1):
        user = factories.user()
        api = ApiClient(testapp, user, factories.access_token(user))
        ids = [assert_ok(add(api))["id"] for _ in range(size)]
        api.get(LIST)  # the pool warmed
        with count_statements() as counter:
            response = _call(name, api, ids[0])
        assert response.status_int == 200, response.json
        counts.append(counter.count)
    assert counts[0] == counts[1]
