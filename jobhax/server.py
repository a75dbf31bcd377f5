"""Waitress with a graceful stop: on SIGTERM or SIGINT stop listening, finish what is in flight, exit.

``waitress.serve()`` dies on SIGTERM with requests half answered, so a deploy would cut a client's write
in the middle. Here the listening socket closes first (new connections are refused), idle keep-alive
connections close, and the requests already received get up to ``shutdown_timeout`` seconds to finish.
"""
import logging
import signal
import time

import waitress
from waitress import wasyncore
from waitress.channel import HTTPChannel

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT = 30
# How often the loop looks at the stop flag: a signal handler only sets it (it runs between two
# instructions of the main loop, where changing the socket map is unsafe).
TICK = 0.2


def serve(app, *, host, port, threads, shutdown_timeout=SHUTDOWN_TIMEOUT, **options):
    server = waitress.create_server(app, host=host, port=port, threads=threads, **options)
    received = []
    previous = {signum: signal.signal(signum, lambda signum, frame: received.append(signum))
                for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        while not received:
            wasyncore.loop(timeout=TICK, map=server._map, count=1)
        log.info("%s: refusing new connections, finishing requests in flight",
                 signal.Signals(received[0]).name)
        drain(server, shutdown_timeout)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def drain(server, timeout):
    """Close the listener, then run the loop until no connection is left or ``timeout`` seconds pass."""
    socket_map = server._map
    # The listening socket only: the server's own close() would also close the trigger that wakes the
    # loop when a worker thread has a response ready.
    wasyncore.dispatcher.close(server)
    deadline = time.monotonic() + timeout
    while True:
        channels = [channel for channel in socket_map.values() if isinstance(channel, HTTPChannel)]
        if not channels:
            break
        if time.monotonic() >= deadline:
            log.warning("shutdown timeout: closing %d connection(s) with requests in flight", len(channels))
            break
        for channel in channels:
            if not channel.requests:
                # Idle keep-alive, or its last response is being sent: flush, then close.
                channel.close_when_flushed = True
        wasyncore.loop(timeout=TICK, map=socket_map, count=1)
    server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)
    wasyncore.close_all(socket_map)
