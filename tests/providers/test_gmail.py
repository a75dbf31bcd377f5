"""GmailClient against the fake: paging, queries, full messages, concurrent reads on one pool."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from jobhax.providers import ProviderNotFound, ProviderRejected, ProviderUnavailable
from jobhax.providers.gmail import GmailClient
from tests.fakeprovider import gmail_message

TOKEN = "gmail-token"
DAY_MS = 86_400_000


@pytest.fixture
def mailbox(provider):
    provider.add_google_user(TOKEN, "2002", "joe@example.com")
    provider.add_google_user("other-token", "3003", "ann@example.com")

    def add(n, **kw):
        return [
            provider.add_message(TOKEN, gmail_message(internal_date_ms=(i + 1) * DAY_MS, **kw))["id"]
            for i in range(n)
        ]

    return add


@pytest.fixture
def client(provider_settings):
    with GmailClient(provider_settings, TOKEN) as gmail:
        yield gmail


def test_lists_every_page_newest_first(provider, mailbox, client):
    ids = mailbox(7)
    provider.page_size = 3
    assert list(client.list_message_ids("")) == list(reversed(ids))
    calls = provider.calls("/gmail/v1/users/me/messages")
    assert [call["query"].get("pageToken") for call in calls] == [None, "3", "6"]
    assert all(call["query"]["includeSpamTrash"] == "true" for call in calls)


def test_an_exact_multiple_of_the_page_size_needs_no_empty_page(provider, mailbox, client):
    mailbox(6)
    provider.page_size = 3
    assert len(list(client.list_message_ids(""))) == 6
    assert len(provider.calls("/gmail/")) == 2


def test_max_results_is_sent_and_honoured(provider, mailbox, client):
    mailbox(5)
    assert len(list(client.list_message_ids("", page_size=2))) == 5
    calls = provider.calls("/gmail/")
    assert len(calls) == 3
    assert {call["query"]["maxResults"] for call in calls} == {"2"}


def test_an_empty_mailbox_lists_nothing(provider, mailbox, client):
    assert list(client.list_message_ids("")) == []


def test_the_query_is_passed_on(provider, mailbox, client):
    old = mailbox(2, sender="LinkedIn <jobs-noreply@linkedin.com>")
    new = [
        provider.add_message(TOKEN, gmail_message(sender="reply@hired.com", internal_date_ms=10 * DAY_MS))[
            "id"
        ]
    ]
    assert set(client.list_message_ids(f"after:{10 * DAY_MS // 1000}")) == set(new)
    assert set(
        client.list_message_ids("from:(jobs-noreply@linkedin.com OR jobs-listings@linkedin.com)")
    ) == set(old)
    assert set(client.list_message_ids("{from:reply@hired.com from:indeedapply@indeed.com}")) == set(new)
    assert provider.calls("/gmail/")[0]["query"]["q"] == f"after:{10 * DAY_MS // 1000}"


def test_spam_and_trash_are_included(provider, mailbox, client):
    spam = provider.add_message(TOKEN, dict(gmail_message(), labelIds=["SPAM"]))["id"]
    assert list(client.list_message_ids("")) == [spam]


def test_each_account_sees_only_its_mailbox(provider, mailbox, provider_settings):
    mailbox(3)
    with GmailClient(provider_settings, "other-token") as other:
        assert list(other.list_message_ids("")) == []


def test_get_message_returns_the_full_message(provider, mailbox, client):
    [msg_id] = mailbox(1, subject="Your application to Mozilla")
    message = client.get_message(msg_id)
    assert message["id"] == msg_id
    assert {"name": "Subject", "value": "Your application to Mozilla"} in message["payload"]["headers"]
    assert provider.calls(f"/gmail/v1/users/me/messages/{msg_id}")[0]["query"] == {"format": "full"}


def test_an_unknown_message_is_not_found(mailbox, client):
    with pytest.raises(ProviderNotFound):
        client.get_message("no-such-id")


def test_a_revoked_token_is_rejected_midway(provider, mailbox, client):
    mailbox(4)
    provider.page_size = 2
    ids = client.list_message_ids("")
    next(ids)
    provider.reject_token(TOKEN)
    with pytest.raises(ProviderRejected):
        list(ids)


def test_rate_limiting_while_listing_is_unavailable(provider, mailbox, client):
    mailbox(1)
    provider.fail("/gmail/", 429, retry_after=2)
    with pytest.raises(ProviderUnavailable) as caught:
        list(client.list_message_ids(""))
    assert (caught.value.status, caught.value.retry_after) == (429, 2.0)


def test_concurrent_reads_share_a_bounded_pool(provider, mailbox, provider_settings):
    ids = mailbox(24)
    provider.latency = 0.05
    with GmailClient(provider_settings, TOKEN, max_connections=4) as gmail, ThreadPoolExecutor(4) as pool:
        messages = list(pool.map(gmail.get_message, ids))
    assert [message["id"] for message in messages] == ids
    assert provider.max_in_flight > 1
    # Connections are kept alive and reused: no more than the pool's size were opened.
    assert len({call["client_port"] for call in provider.calls("/gmail/")}) <= 4
