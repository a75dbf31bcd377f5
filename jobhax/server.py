"""`jobhax serve`: the WSGI app under granian, its worker processes and graceful shutdown.

Granian's HTTP handling is Rust: it costs ~0.05 ms of CPU per request where waitress' pure Python cost
~2 ms. Its main process binds the port and runs ``workers`` processes, each building its own app (its own
database pool: nothing crosses the fork), and replaces one that dies. SIGTERM or SIGINT: every worker
stops accepting at once, and the requests in flight get ``shutdown_timeout`` seconds to finish before the
worker is killed.
"""

import ctypes
import functools
import os
import signal

from granian.constants import Interfaces
from granian.server import Server

SHUTDOWN_TIMEOUT = 30
# Requests are CPU-bound Python holding the GIL: a few threads per process answer faster and with a
# shorter tail than many taking turns (bench/README.md "Threads per process").
BLOCKING_THREADS = 3


def serve(
    make_app,
    *,
    host,
    port,
    workers=1,
    blocking_threads=BLOCKING_THREADS,
    backpressure=None,
    shutdown_timeout=SHUTDOWN_TIMEOUT,
):
    """Serve the app ``make_app()`` builds in each worker process until SIGTERM/SIGINT.

    ``make_app`` must be picklable (a module-level function or a partial of one) where Python starts
    processes by spawning. ``blocking_threads`` run the app's Python; requests beyond them wait in
    granian's Rust side for a free one. ``backpressure`` is how many *connections* one worker serves at once
    (a keep-alive connection holds its place while idle): granian's default, backlog ÷ workers, unless set.
    """
    server = Server(
        "jobhax",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=blocking_threads,
        backpressure=backpressure,
        workers_kill_timeout=shutdown_timeout,
        # A worker that dies (out of memory, a crash in C) is replaced; granian stops if one keeps dying.
        respawn_failed_workers=True,
        log_access=False,  # an access log line would carry query strings; we log none
    )
    server.serve(target_loader=functools.partial(_worker_app, make_app), wrap_loader=False)


def _worker_app(make_app):
    """Runs in each worker process, before it serves."""
    _die_with_parent()
    # granian installs the worker's own stop handlers once this returns; a stop before that (while the app
    # loads, nothing in flight) would otherwise go to the parent's handler, copied by the fork, and be lost.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda signum, frame: os._exit(0))
    return make_app()


def _die_with_parent():
    """A worker whose main process is killed (SIGKILL, out of memory) dies with it instead of serving on
    alone, unmanaged; granian's own workers only stop when their parent tells them."""
    PR_SET_PDEATHSIG = 1
    parent = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
