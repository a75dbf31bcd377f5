"""One webhook delivery: resolve and check the address, sign per Standard Webhooks, POST it there.

The request goes to the address that was checked (never resolved a second time by the HTTP client), with
the URL's host in the Host header and as the TLS server name, so certificates are verified as usual.
Redirects are not followed: a 3xx is a failure like any other non-2xx answer.
"""

import json

import urllib3
from standardwebhooks.webhooks import Webhook as Signer

from jobhax.clock import utcnow
from jobhax.webhooks.addresses import RefusedUrl, checked_target

USER_AGENT = "JobHax-Webhooks/1.0"
MAX_ANSWER = 64 * 1024  # bytes of the receiver's answer read before the connection is dropped


class DeliveryFailed(Exception):
    """The receiver did not take the delivery: refused URL, network error, timeout or non-2xx answer."""


def body(event, timestamp, data):
    return json.dumps({"type": event, "timestamp": timestamp, "data": data}, separators=(",", ":"))


def signed_headers(secret, message_id, payload, now=None):
    now = now or utcnow()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Signer(secret).sign(message_id, now, payload),
    }


def post(url, secret, message_id, payload, *, allow_private, timeout):
    """POST ``payload`` (JSON text) to ``url``; DeliveryFailed unless the receiver answers 2xx."""
    try:
        target = checked_target(url, allow_private)
    except RefusedUrl as refused:
        raise DeliveryFailed(f"refused URL: {refused}") from None
    pool_class = urllib3.HTTPSConnectionPool if target.scheme == "https" else urllib3.HTTPConnectionPool
    tls = {"server_hostname": target.host, "assert_hostname": target.host} if target.scheme == "https" else {}
    pool = pool_class(
        target.address,
        target.port,
        timeout=urllib3.Timeout(total=timeout),
        retries=False,
        maxsize=1,
        **tls,
    )
    headers = {
        "Host": target.host_header,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **signed_headers(secret, message_id, payload),
    }
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=payload.encode("utf-8"),
            headers=headers,
            redirect=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            response.read(MAX_ANSWER)
        finally:
            response.release_conn()
    except urllib3.exceptions.HTTPError as error:
        raise DeliveryFailed(f"network error: {type(error).__name__}") from None
    finally:
        pool.close()
    if not 200 <= response.status < 300:
        raise DeliveryFailed(f"answered HTTP {response.status}")
