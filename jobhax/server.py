"""Waitress with a graceful stop: on SIGTERM or SIGINT stop listening, finish what is in flight, exit.

``waitress.serve()`` dies on SIGTERM with requests half answered, so a deploy would cut a client's write
in the middle. Here the listening socket closes first (new connections are refused), idle keep-alive
connections close, and the requests already received get up to ``shutdown_timeout`` seconds to finish.
"""

import contextlib
import ctypes
import logging
import os
import signal
import socket
import time

import waitress
from waitress import wasyncore
from waitress.channel import HTTPChannel

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT = 30
# How often the loop looks at the stop flag: a signal handler only sets it (it runs between two
# instructions of the main loop, where changing the socket map is unsafe).
TICK = 0.2


def serve(app, *, threads, shutdown_timeout=SHUTDOWN_TIMEOUT, **options):
    """``options`` are waitress's: ``host`` and ``port``, or ``sockets`` already listening."""
    server = waitress.create_server(app, threads=threads, **options)
    received = []
    previous = {
        signum: signal.signal(signum, lambda signum, frame: received.append(signum))
        for signum in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        while not received:
            wasyncore.loop(timeout=TICK, map=server._map, count=1)
        log.info(
            "%s: refusing new connections, finishing requests in flight", signal.Signals(received[0]).name
        )
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


def serve_workers(make_app, *, host, port, workers, threads, shutdown_timeout=SHUTDOWN_TIMEOUT, **options):
    """``workers`` processes, each :func:`serve` with its own app, sharing one listening socket.

    One process runs Python one request at a time (the GIL), so on a machine with several cores one
    waitress process leaves them idle while its threads queue. The socket is bound here, then each
    child builds its app (its own database pool: nothing crosses the fork) and accepts on it. SIGTERM or
    SIGINT is passed to every child, which drains as :func:`serve` does; a child whose parent dies is
    killed with it (PR_SET_PDEATHSIG), so none is left serving alone.
    """
    listener = socket.create_server((host, port), backlog=1024)
    children = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                _die_with_parent()
                serve(
                    make_app(),
                    sockets=[listener],
                    threads=threads,
                    shutdown_timeout=shutdown_timeout,
                    **options,
                )
                code = 0
            except BaseException:
                log.exception("serve worker %d failed", os.getpid())
            finally:
                os._exit(code)
        children.append(pid)
    listener.close()  # The children's copies are the listening socket now: closed when they all stop.
    previous = {
        signum: signal.signal(signum, lambda signum, frame: _signal_all(children, signum))
        for signum in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        for pid in children:
            os.waitpid(pid, 0)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _signal_all(pids, signum):
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


def _die_with_parent():
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
