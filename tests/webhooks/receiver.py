"""A webhook receiver on 127.0.0.1 (waitress in a thread) that records every delivery, with fault knobs."""

import json
import threading
from dataclasses import dataclass

from standardwebhooks.webhooks import Webhook as Verifier

from tests.servers import serve


@dataclass
class Delivery:
    path: str
    headers: dict
    body: bytes
    status: int

    @property
    def id(self):
        return self.headers["webhook-id"]

    def verify(self, secret):
        """The parsed body, once Standard Webhooks' own check passed (WebhookVerificationError if not)."""
        return Verifier(secret).verify(self.body, self.headers)

    @property
    def json(self):
        return json.loads(self.body)


class Receiver:
    """``fail_next`` requests answer 503; with ``hold`` set, a request waits until ``release()``."""

    def __init__(self):
        self.lock = threading.Lock()
        self.deliveries = []
        self.fail_next = 0
        self.fail_always = False
        self.hold = False
        self.held = threading.Event()
        self._released = threading.Event()

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        headers = {
            name[5:].replace("_", "-").lower(): value
            for name, value in environ.items()
            if name.startswith("HTTP_")
        }
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        with self.lock:
            failing = self.fail_always or self.fail_next > 0
            self.fail_next = max(0, self.fail_next - 1)
            holding, self.hold = self.hold, False
            status = 503 if failing else 200
            self.deliveries.append(Delivery(environ["PATH_INFO"], headers, body, status))
        if holding:
            self.held.set()
            self._released.wait(60)
        start_response(
            f"{status} {'OK' if status == 200 else 'Unavailable'}", [("Content-Type", "text/plain")]
        )
        return [b"ok" if status == 200 else b"try later"]

    def release(self):
        self._released.set()

    def received(self):
        with self.lock:
            return list(self.deliveries)

    def accepted(self):
        """Deliveries answered 200, each webhook-id once (the first), in arrival order."""
        seen = {}
        for delivery in self.received():
            if delivery.status == 200:
                seen.setdefault(delivery.id, delivery)
        return list(seen.values())


class running_receiver:
    """Context manager: a Receiver served on 127.0.0.1; yields (receiver, base URL)."""

    def __init__(self):
        self.receiver = Receiver()
        self.server = serve(self.receiver, threads=4)

    def __enter__(self):
        return self.receiver, self.server.__enter__()

    def __exit__(self, *exc):
        self.receiver.release()
        self.server.__exit__(*exc)
