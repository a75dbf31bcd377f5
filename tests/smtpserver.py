"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it accepts, for the mail tests.

It can be stopped and started again on the same port, to play an SMTP outage.
"""

import email
import email.policy
import re
import socket
import threading

from aiosmtpd.controller import Controller

from tests.workers import wait_until

TOKEN_IN_LINK = re.compile(r"[?&]token=([A-Za-z0-9]+)")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, server):
        self.server = server

    async def handle_DATA(self, session, envelope, smtp_envelope):
        message = email.message_from_bytes(smtp_envelope.content, policy=email.policy.default)
        with self.server.lock:
            self.server.messages.append(Received(smtp_envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"


class Received:
    def __init__(self, recipients, message):
        self.recipients = recipients
        self.message = message

    @property
    def text(self):
        return self.message.get_body(("plain",)).get_content()

    @property
    def token(self):
        return TOKEN_IN_LINK.search(self.text).group(1)

    def __repr__(self):
        return f"<mail to {self.recipients}: {self.message['Subject']!r}>"


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.messages = []
        self.lock = threading.Lock()
        self._controller = None

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def running(self):
        return self._controller is not None

    def clear(self):
        with self.lock:
            self.messages.clear()

    def start(self):
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address):
        with self.lock:
            return [received for received in self.messages if address in received.recipients]

    def wait_for(self, address, count=1, timeout=30):
        """The messages to ``address`` once there are ``count`` of them."""
        return wait_until(
            lambda: (lambda found: found if len(found) >= count else None)(self.to(address)),
            timeout=timeout,
            message=f"{count} mail(s) to {address}",
        )
