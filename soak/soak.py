"""Soak: mixed traffic from several processes against `jobhax --ini production.ini serve`, for minutes.

Passes when no answer is a 5xx, the server's memory after warm-up stays within a small bound, and the
database connections it holds do not grow. `make soak` runs it (SOAK_SECONDS=600 by default).

The database is a scratch one created on JOBHAX_SOAK_DATABASE_URL, else JOBHAX_TEST_DATABASE_URL, else the
embedded PostgreSQL under var/pgsoak; it is dropped at the end.
"""

import argparse
import collections
import json
import multiprocessing
import os
import queue
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from jobhax.metrics.views import ENDPOINTS

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
SAMPLE_EVERY = 5
METRICS = ENDPOINTS
# Each client keeps at most this many live applications, so a response's size stays in one range.
MAX_LIVE_APPS = 60


def server_url():
    url = os.environ.get("JOBHAX_SOAK_DATABASE_URL") or os.environ.get("JOBHAX_TEST_DATABASE_URL")
    if url:
        return url
    from jobhax.db import embedded_database_url

    return embedded_database_url(ROOT / "var", "pgsoak")


class ScratchDatabase:
    def __init__(self):
        server = make_url(server_url())
        self.name = f"jobhax_soak_{os.getpid()}_{secrets.token_hex(3)}"
        self.admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = server.set(database=self.name).render_as_string(hide_password=False)

    def connections(self):
        """Connections to the soak database, this query's own excluded."""
        with self.admin.connect() as connection:
            return connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": self.name},
            )

    def drop(self):
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def jobhax(*args):
    return [sys.executable, "-m", "jobhax.cli", "--ini", str(ROOT / "production.ini"), *args]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Client:
    """One simulated user: a mix of reads and writes, the odd mistake, token refreshes and re-logins."""

    def __init__(self, base_url, oauth, n, seed):
        self.base = base_url
        self.oauth = oauth
        self.random = random.Random(seed)
        self.http = requests.Session()
        self.username = f"soak{n}_{secrets.token_hex(3)}"
        self.password = secrets.token_urlsafe(12)
        self.counts = collections.Counter()
        self.latencies = []
        self.failures = []
        self.jobapps = []
        self.notes = []
        self.tokens = None

    def call(self, name, method, path, token=True, **kw):
        headers = kw.pop("headers", {})
        if token and self.tokens:
            headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
        started = time.perf_counter()
        try:
            response = self.http.request(method, self.base + path, headers=headers, timeout=30, **kw)
        except requests.RequestException as error:
            self.counts[(name, "error")] += 1
            self.failures.append(f"{name}: {type(error).__name__}")
            return None
        self.latencies.append(time.perf_counter() - started)
        self.counts[(name, response.status_code)] += 1
        if response.status_code >= 500:
            self.failures.append(f"{name}: {response.status_code} {response.text[:200]}")
        return response

    def data(self, response):
        if response is not None and response.status_code == 200:
            return response.json()["data"]
        return None

    def login(self):
        self.tokens = self.data(
            self.call(
                "login",
                "POST",
                "/api/users/login",
                token=False,
                json=dict(self.oauth, username=self.username, password=self.password),
            )
        )

    def start(self):
        self.call(
            "register",
            "POST",
            "/api/users/register",
            token=False,
            json={
                "username": self.username,
                "email": f"{self.username}@example.com",
                "first_name": "Soak",
                "last_name": "Test",
                "password": self.password,
                "password2": self.password,
            },
        )
        self.login()

    def step(self):
        action = self.random.choices(self.ACTIONS, weights=self.WEIGHTS)[0]
        action(self)

    def add_jobapp(self):
        if len(self.jobapps) >= MAX_LIVE_APPS:
            return self.delete_jobapp()
        created = self.data(
            self.call(
                "add_jobapp",
                "POST",
                "/api/jobapps/add_jobapp",
                json={
                    "job_title": self.random.choice(
                        ["Android Developer", "Backend Engineer", "Data Scientist"]
                    ),
                    "company": self.random.choice(["Mozilla", "ACME", "Initech", "Globex"]),
                    "status_id": self.random.randint(1, 5),
                    "source": self.random.choice(["LinkedIn", "Indeed", "Other"]),
                    "application_date": f"2026-{self.random.randint(1, 11):02d}-{self.random.randint(1, 28):02d}",
                },
            )
        )
        if created:
            self.jobapps.append(created["id"])
        return None

    def list_jobapps(self):
        self.call("get_jobapps", "GET", "/api/jobapps/get_jobapps")

    def update_jobapp(self):
        if self.jobapps:
            self.call(
                "update_jobapp",
                "POST",
                "/api/jobapps/update_jobapp",
                json={
                    "jobapp_id": self.random.choice(self.jobapps),
                    "status_id": self.random.randint(1, 5),
                    "rejected": self.random.random() < 0.2,
                },
            )

    def delete_jobapp(self):
        if self.jobapps:
            jobapp_id = self.jobapps.pop(self.random.randrange(len(self.jobapps)))
            self.notes = [(jobapp, note) for jobapp, note in self.notes if jobapp != jobapp_id]
            self.call("delete_jobapp", "POST", "/api/jobapps/delete_jobapp", json={"jobapp_id": jobapp_id})

    def read_jobapp(self):
        if self.jobapps:
            jobapp_id = self.random.choice(self.jobapps)
            name = self.random.choice(["get_status_history", "get_jobapp_detail", "get_jobapp_notes"])
            self.call(name, "GET", f"/api/jobapps/{name}", params={"jobapp_id": jobapp_id})

    def note(self):
        if self.notes and self.random.random() < 0.5:
            jobapp_id, note_id = self.random.choice(self.notes)
            if self.random.random() < 0.5:
                self.call(
                    "update_jobapp_note",
                    "POST",
                    "/api/jobapps/update_jobapp_note",
                    json={"jobapp_note_id": note_id, "description": "updated " * 10},
                )
            else:
                self.notes.remove((jobapp_id, note_id))
                self.call(
                    "delete_jobapp_note",
                    "POST",
                    "/api/jobapps/delete_jobapp_note",
                    json={"jobapp_note_id": note_id},
                )
        elif self.jobapps:
            jobapp_id = self.random.choice(self.jobapps)
            note = self.data(
                self.call(
                    "add_jobapp_note",
                    "POST",
                    "/api/jobapps/add_jobapp_note",
                    json={"jobapp_id": jobapp_id, "description": "a note " * 20},
                )
            )
            if note:
                self.notes.append((jobapp_id, note["id"]))

    def metrics(self):
        name = self.random.choice(METRICS)
        self.call(name, "GET", f"/api/metrics/{name}")

    def statuses(self):
        self.call("get_statuses", "GET", "/api/jobapps/get_statuses")

    def refresh(self):
        if self.tokens:
            self.tokens = self.data(
                self.call(
                    "refresh_token",
                    "POST",
                    "/api/users/refresh_token",
                    token=False,
                    json=dict(self.oauth, refresh_token=self.tokens["refresh_token"]),
                )
            )
        if not self.tokens:
            self.login()

    def relogin(self):
        if self.tokens:
            self.call(
                "logout",
                "POST",
                "/api/users/logout",
                token=False,
                json=dict(self.oauth, token=self.tokens["access_token"]),
            )
        self.login()

    def mistakes(self):
        """Answers every client sees sometimes: 400, 401, 404, 405."""
        kind = self.random.randrange(4)
        if kind == 0:
            self.call("bad_parameters", "POST", "/api/jobapps/update_jobapp", json={"jobapp_id": "abc"})
        elif kind == 1:
            self.call(
                "bad_token",
                "GET",
                "/api/jobapps/get_jobapps",
                token=False,
                headers={"Authorization": "Bearer " + "x" * 40},
            )
        elif kind == 2:
            self.call("unknown_id", "GET", "/api/jobapps/get_jobapp_notes", params={"jobapp_id": 999999999})
        else:
            self.call("wrong_method", "GET", "/api/jobapps/add_jobapp")

    def heartbeat(self):
        self.call("heartbeat", "GET", "/__heartbeat__", token=False)

    ACTIONS = (
        add_jobapp,
        list_jobapps,
        update_jobapp,
        delete_jobapp,
        read_jobapp,
        note,
        metrics,
        statuses,
        refresh,
        relogin,
        mistakes,
        heartbeat,
    )
    WEIGHTS = (14, 20, 14, 3, 14, 10, 10, 4, 2, 1, 5, 3)


def client_process(base_url, oauth, n, deadline, users, think, results):
    clients = [Client(base_url, oauth, f"{n}_{i}", seed=n * 1000 + i) for i in range(users)]
    for client in clients:
        client.start()
    while time.time() < deadline:
        for client in clients:
            client.step()
        time.sleep(think)
    counts = collections.Counter()
    latencies, failures = [], []
    for client in clients:
        counts.update(client.counts)
        latencies.extend(client.latencies)
        failures.extend(client.failures)
    results.put((dict(counts), latencies, failures[:20]))


def wait_ready(base_url, process, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit("the server exited at start")
        try:
            if requests.get(base_url + "/__heartbeat__", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not become ready")


def collect(results, clients):
    """Each client process's outcome; a process that died sends none, and is not waited for."""
    outcomes = []
    while len(outcomes) < len(clients):
        try:
            outcomes.append(results.get(timeout=5))
        except queue.Empty:
            if not any(client.is_alive() for client in clients):
                raise SystemExit(f"{len(clients) - len(outcomes)} client process(es) died") from None
    return outcomes


def by_minute(samples):
    minutes = collections.defaultdict(list)
    for sample in samples:
        minutes[int(sample["t"] // 60)].append(sample)
    return [minutes[minute] for minute in sorted(minutes)]


def median_of(samples, key):
    return statistics.median(sample[key] for sample in samples)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=600, help="seconds of traffic (default 600)")
    parser.add_argument("--processes", type=int, default=4, help="client processes (default 4)")
    parser.add_argument("--users", type=int, default=3, help="users per client process (default 3)")
    parser.add_argument("--think", type=float, default=0.005, help="pause between rounds, seconds")
    parser.add_argument("--warmup", type=float, help="seconds ignored for memory (default: a fifth, ≥ 10)")
    parser.add_argument(
        "--memory-bound-mib",
        type=float,
        default=16,
        help="allowed server memory growth after warm-up (default 16 MiB)",
    )
    args = parser.parse_args(argv)
    warmup = args.warmup if args.warmup is not None else max(10.0, args.duration / 5)

    database = ScratchDatabase()
    var_dir = tempfile.mkdtemp(prefix="jobhax-soak-")
    env = dict(
        os.environ,
        JOBHAX_DATABASE_URL=database.url,
        JOBHAX_SECRET_KEY=secrets.token_urlsafe(48),
        JOBHAX_VAR_DIR=var_dir,
        # Every simulated user registers from 127.0.0.1: no per-address registration limit here.
        JOBHAX_REGISTER_PER_HOUR="0",
        # production.ini refuses to start without our provider apps; the soak makes no social logins.
        JOBHAX_GOOGLE_CLIENT_IDS="soak.apps.googleusercontent.com",
        JOBHAX_LINKEDIN_LOGIN="false",
    )
    log_path = Path(var_dir) / "server.log"
    server = None
    try:
        subprocess.run(jobhax("migrate"), env=env, check=True, capture_output=True, timeout=300)
        created = subprocess.run(
            jobhax("create-client", "--name", "soak"),
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        oauth = json.loads(created.stdout)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        with log_path.open("wb") as log:
            server = subprocess.Popen(
                jobhax("serve", "--host", "127.0.0.1", "--port", str(port)),
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_ready(base_url, server)
        server_process = psutil.Process(server.pid)

        started = time.time()
        deadline = started + args.duration
        results = multiprocessing.Queue()
        clients = [
            multiprocessing.Process(
                target=client_process, args=(base_url, oauth, n, deadline, args.users, args.think, results)
            )
            for n in range(args.processes)
        ]
        for client in clients:
            client.start()
        samples = []
        while time.time() < deadline:
            # granian's main process and its worker process(es), which hold the app.
            processes = [server_process, *server_process.children(recursive=True)]
            samples.append(
                {
                    "t": time.time() - started,
                    "rss": sum(process.memory_info().rss for process in processes),
                    "threads": sum(process.num_threads() for process in processes),
                    "connections": database.connections(),
                    "fds": sum(process.num_fds() for process in processes),
                }
            )
            time.sleep(min(SAMPLE_EVERY, max(0.0, deadline - time.time())))
        outcomes = collect(results, clients)
        for client in clients:
            client.join(timeout=30)
        final_connections = database.connections()

        server.send_signal(signal.SIGTERM)
        exit_code = server.wait(timeout=60)
    finally:
        if server is not None and server.poll() is None:
            server.kill()
            server.wait(timeout=30)
        database.drop()

    counts = collections.Counter()
    latencies, failures = [], []
    for client_counts, client_latencies, client_failures in outcomes:
        counts.update(client_counts)
        latencies.extend(client_latencies)
        failures.extend(client_failures)
    by_status = collections.Counter()
    for (_name, status), n in counts.items():
        by_status[str(status)] += n
    total = sum(by_status.values())
    server_errors = sum(n for status, n in by_status.items() if status.startswith("5") or status == "error")

    after = [sample for sample in samples if sample["t"] >= warmup]
    window = max(1, len(after) // 5)
    early, late = after[:window], after[-window:]
    growth = (median_of(late, "rss") - median_of(early, "rss")) / MIB
    connections_warm = max((sample["connections"] for sample in samples if sample["t"] < warmup), default=0)
    connections_after = max(sample["connections"] for sample in after)
    latencies.sort()
    report = {
        "duration_s": round(args.duration),
        "processes": args.processes,
        "users": args.processes * args.users,
        "requests": total,
        "requests_per_s": round(total / args.duration, 1),
        "by_status": dict(by_status),
        "server_errors": server_errors,
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1),
        "rss_mib_after_warmup": round(median_of(early, "rss") / MIB, 1),
        "rss_mib_at_end": round(median_of(late, "rss") / MIB, 1),
        "rss_mib_max": round(max(sample["rss"] for sample in samples) / MIB, 1),
        "rss_growth_mib": round(growth, 1),
        "rss_mib_by_minute": [round(median_of(minute, "rss") / MIB, 1) for minute in by_minute(samples)],
        "db_connections_max_warmup": connections_warm,
        "db_connections_max_after_warmup": connections_after,
        "db_connections_at_end": final_connections,
        "server_threads": sorted({sample["threads"] for sample in samples}),
        "server_fds_min_max": [min(s["fds"] for s in after), max(s["fds"] for s in after)],
        "sigterm_exit_code": exit_code,
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "failures": failures[:10],
    }
    print(json.dumps(report, indent=2))
    result = ROOT / "var" / "soak" / "latest.json"
    result.parent.mkdir(parents=True, exist_ok=True)
    result.write_text(json.dumps(dict(report, samples=samples), indent=1))
    problems = []
    if server_errors:
        problems.append(f"{server_errors} answers were 5xx or connection errors")
    if growth > args.memory_bound_mib:
        problems.append(
            f"server memory grew {growth:.1f} MiB after warm-up (bound {args.memory_bound_mib} MiB)"
        )
    if connections_after > max(connections_warm, 1):
        problems.append(f"database connections grew from {connections_warm} to {connections_after}")
    if exit_code != 0:
        problems.append(f"the server exited {exit_code} on SIGTERM")
    for problem in problems:
        print(f"SOAK FAILED: {problem}", file=sys.stderr)
    if not problems:
        print("soak passed", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
