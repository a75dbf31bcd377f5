"""The delivery function and retry timing, without a worker: https to the checked address with the URL's
name verified, and waits that double up to the cap and never pass the give-up time."""

import datetime
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme

from jobhax.webhooks import delivery
from jobhax.webhooks.tasks import event_age, retry_wait

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SETTINGS = {
    "jobhax.webhooks_retry_seconds": 5.0,
    "jobhax.webhooks_max_wait_seconds": 3600.0,
    "jobhax.webhooks_give_up_seconds": 86400.0,
}


def test_waits_start_at_5_s_double_up_to_an_hour_and_stop_at_24_h():
    waits = [retry_wait(SETTINGS, attempts, age=0) for attempts in range(12)]
    assert waits[:4] == [5, 10, 20, 40]
    assert waits[-1] == 3600 and max(waits) == 3600
    assert retry_wait(SETTINGS, 20, age=86400 - 30) == 30  # the last try lands on the give-up time
    assert retry_wait(SETTINGS, 20, age=90000) == 0
    now = datetime.datetime(2030, 1, 1, 12, tzinfo=datetime.UTC)
    assert event_age("2030-01-01T11:00:00Z", now) == 3600


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        self.server.seen.append((self.headers["Host"], self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(self.server.answer)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch):
    """An https receiver on 127.0.0.1 whose certificate names ``localhost``, from a CA trusted here only."""
    authority = trustme.CA()
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(bundle)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.seen, server.answer = [], 200
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("localhost").configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_https_goes_to_the_checked_address_with_the_name_verified(tls_receiver):
    port = tls_receiver.server_address[1]
    payload = delivery.body("jobapp.created", "2030-01-01T00:00:00Z", {"id": 1})
    delivery.post(f"https://localhost:{port}/hook", SECRET, "msg_1", payload, allow_private=True, timeout=10)
    assert tls_receiver.seen == [(f"localhost:{port}", payload.encode())]


def test_a_certificate_for_another_name_fails_the_delivery(tls_receiver):
    port = tls_receiver.server_address[1]
    # 127.0.0.1 is where localhost points, but the certificate does not name it.
    with pytest.raises(delivery.DeliveryFailed, match="network error"):
        delivery.post(f"https://127.0.0.1:{port}/hook", SECRET, "msg_1", "{}", allow_private=True, timeout=10)


def test_non_2xx_answers_and_redirects_are_failures(tls_receiver):
    port = tls_receiver.server_address[1]
    for status in (301, 404, 500):
        tls_receiver.answer = status
        with pytest.raises(delivery.DeliveryFailed, match=f"HTTP {status}"):
            delivery.post(f"https://localhost:{port}/", SECRET, "msg_1", "{}", allow_private=True, timeout=10)


def test_production_rules_refuse_before_connecting(tls_receiver):
    port = tls_receiver.server_address[1]
    for url in (f"https://localhost:{port}/", f"https://127.0.0.1:{port}/", f"https://[::1]:{port}/"):
        with pytest.raises(delivery.DeliveryFailed, match="refused URL"):
            delivery.post(url, SECRET, "msg_1", "{}", allow_private=False, timeout=10)
    assert tls_receiver.seen == []
