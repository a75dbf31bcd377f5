"""`make bench`: seed a large database, serve it with production.ini, load each endpoint with wrk and its
main SQL with pgbench at the same concurrency, print one table and write bench/results/latest.json.

The databases are scratch ones named after JOBHAX_BENCH_DATABASE_URL (default ``jobhax_bench`` on
127.0.0.1:5432) plus the table size (``jobhax_bench_1000000``); each is dropped and seeded again unless
``--reuse`` finds the same shape already there. Users of 100, 1,000 and
10,000 applications are seeded inside a table of ``--total`` applications (filler users of 1,000 each),
plus a 1,000-application "writer" user that add_jobapp and update_jobapp write to, so writes never change
what the read benchmarks see, and a 1,000-application "hooked" user with 3 webhooks subscribed to every
application event, whose writes must stay within 10% of the writer's (deliveries never run in the request:
each write only queues one job per hook and event; no worker runs during the benchmark). Then the
100-application user's metrics run again on a table of ``--compare-total`` applications, to show their
latency does not grow with the table.

Quick run while developing: ``make bench BENCH_ARGS="--duration 3 --total 100000 --compare-total 0 --reuse"``.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jobhax import quotas  # noqa: E402
from jobhax.metrics.views import ENDPOINTS  # noqa: E402
from tests.databases import recreate_database  # noqa: E402
from tests.servers import serve_command  # noqa: E402

BENCH = ROOT / "bench"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/jobhax_bench"
SECRET_KEY = "bench-secret-key-that-is-long-enough-0123456789"
BENCH_USERS = {
    "u100": 100,
    "u1000": 1_000,
    "u10000": 10_000,
    "writer": 1_000,
    "hooked": 1_000,
    "statuses": 100,
}
HOOKS = 3
# The bare endpoint every u100 endpoint's server CPU per request is held to (bench/ceiling.py), and by how much.
CEILING = "ceiling (bearer lookup only)"
CEILING_FACTOR = 2
WITH_HOOKS = "+3hooks"
# The "statuses" user also has the quota's worth of custom statuses (get_statuses).
FILLER_APPS = 1_000
SEED = 2019
METRICS = ENDPOINTS


def log(message):
    print(message, file=sys.stderr, flush=True)


def ensure_tools():
    if shutil.which("wrk") is None:
        log("wrk missing: apt-get install -y wrk")
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, stdout=subprocess.DEVNULL)
    if shutil.which("pgbench") is None:
        sys.exit("pgbench is missing (Debian package postgresql-client)")


# --- database -----------------------------------------------------------------------------------------------


def seeded_state(engine):
    """What a previous run seeded here (kept in the database itself), or None."""
    with engine.connect() as connection:
        exists = connection.scalar(text("SELECT to_regclass('public.bench_state') IS NOT NULL"))
        if not exists:
            return None
        return connection.scalar(text("SELECT state FROM bench_state"))


def seed(url, total):
    from jobhax.demo import seed_demo
    from jobhax.migrations import upgrade

    recreate_database(url)
    upgrade(url)
    engine = create_engine(url)
    started = time.monotonic()
    users = {}
    with engine.begin() as connection:
        for offset, (name, size) in enumerate(BENCH_USERS.items()):
            users[name] = seed_demo(connection, 1, size, SEED + offset)[0]
        filler = max(0, total - sum(BENCH_USERS.values())) // FILLER_APPS
        seed_demo(connection, filler, FILLER_APPS, SEED)
        connection.execute(
            text("""INSERT INTO application_statuses (user_id, value, position)
                    SELECT :user_id, 'Stage ' || n, 5 + n FROM generate_series(1, :n) n"""),
            {"user_id": users["statuses"]["id"], "n": quotas.CUSTOM_STATUSES},
        )
    log(f"seeded {total} applications in {time.monotonic() - started:.0f} s")
    add_bench_hooks(engine, users["hooked"]["id"])
    _vacuum(engine)
    with engine.connect() as connection:
        for user in users.values():
            user["live_ids"] = connection.scalars(
                text(
                    "SELECT id FROM job_applications WHERE user_id = :user_id AND deleted_at IS NULL ORDER BY id"
                ),
                {"user_id": user["id"]},
            ).all()
    state = {"total": total, "users": users}
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE bench_state (state jsonb NOT NULL)"))
        connection.execute(text("INSERT INTO bench_state VALUES (:state)"), {"state": json.dumps(state)})
    engine.dispose()
    return state


def add_bench_hooks(engine, user_id):
    """The hooked user's webhooks, to addresses no worker will call during the benchmark."""
    from jobhax.accounts.provider_tokens import encrypt
    from jobhax.webhooks.events import EVENTS
    from jobhax.webhooks.services import new_secret

    settings = {"jobhax.secret_key": SECRET_KEY}
    with engine.begin() as connection:
        for n in range(HOOKS):
            connection.execute(
                text(
                    "INSERT INTO webhooks (user_id, url, events, secret_encrypted)"
                    " VALUES (:user_id, :url, :events, :secret)"
                ),
                {
                    "user_id": user_id,
                    "url": f"https://hooks.bench.invalid/{n}",
                    "events": list(EVENTS),
                    "secret": encrypt(settings, new_secret()),
                },
            )


def _vacuum(engine):
    """Leave the database as a long-lived one is: metric counters compacted (the periodic refresh does it),
    visibility map set so index-only scans are possible, statistics fresh."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("SELECT metrics.compact_counts()"))
        connection.execute(text("SELECT metrics.compact_insight_counts()"))
        connection.execute(text("VACUUM ANALYZE"))


def forget_bench_writes(url, users):
    """Delete what earlier runs' add_jobapp rows (ours and pgbench's) created, so the writers stay at their
    seeded 1,000 applications, far below the live-applications quota, run after run."""
    engine = create_engine(url)
    with engine.begin() as connection:
        deleted = connection.execute(
            text("DELETE FROM job_applications WHERE user_id = ANY(:users) AND company = 'Benchcorp'"),
            {"users": [users[name]["id"] for name in ("writer", "hooked")]},
        ).rowcount
    if deleted:
        # As autovacuum would, in time: counting the writer's live rows must not step over the dead ones.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE job_applications, status_history"))
        log(f"deleted {deleted:,} applications earlier runs' add_jobapp created")
    engine.dispose()


def issue_tokens(url, users):
    from jobhax.accounts.services import create_client, issue_token_pair

    engine = create_engine(url)
    with Session(engine) as session:
        client, _ = create_client(session, "bench")
        session.flush()
        tokens = {
            name: issue_token_pair(session, user_id=user["id"], client_pk=client.id, expires_in=86400)[
                "access_token"
            ]
            for name, user in users.items()
        }
        session.commit()
    engine.dispose()
    return tokens


# --- the server ---------------------------------------------------------------------------------------------


def start_ceiling(url, port, log_file, workers):
    """bench/ceiling.py (granian, the same processes and threads) on ``port``."""
    command = [sys.executable, str(BENCH / "ceiling.py"), url, str(port), str(workers)]
    return _started(subprocess.Popen(command, cwd=ROOT, stdout=log_file, stderr=log_file), port, log_file)


def start_server(url, port, log_file, workers):
    """``jobhax serve`` (granian) with production.ini; its log goes to ``log_file``."""
    # production.ini refuses to start without our provider apps; the benchmark makes no social logins.
    env = dict(
        os.environ,
        JOBHAX_DATABASE_URL=url,
        JOBHAX_SECRET_KEY=SECRET_KEY,
        JOBHAX_GOOGLE_CLIENT_IDS="bench.apps.googleusercontent.com",
        JOBHAX_LINKEDIN_LOGIN="false",
    )
    server = subprocess.Popen(
        serve_command(port, "--workers", str(workers)),
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=log_file,
    )
    return _started(server, port, log_file)


def _started(server, port, log_file):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/__lbheartbeat__", timeout=1)
            return server
        except OSError:
            if server.poll() is not None:
                sys.exit(f"{server.args} exited; see {log_file.name}")
            time.sleep(0.2)
    server.terminate()
    sys.exit(f"{server.args} did not answer within 30 s")


def wire_bytes(port, token, path):
    """The bytes of one answer as sent, plain and gzip-compressed (urllib asks for no encoding of its own
    and decodes nothing)."""
    sizes = {}
    for encoding in ("identity", "gzip"):
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}",
            headers={"Authorization": f"Bearer {token}", "Accept-Encoding": encoding},
        )
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 (our own http:// URL)
            sent = response.headers.get("Content-Encoding") or "identity"
            if sent != encoding:
                sys.exit(f"{path}: asked for {encoding}, got {sent}")
            sizes[encoding] = len(response.read())
    return sizes


# --- cases --------------------------------------------------------------------------------------------------


def _compiled(statement):
    from sqlalchemy.dialects import postgresql

    return (
        str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})) + ";\n"
    )


def metric_sql(name, user_id):
    from jobhax.metrics import insights, queries

    today = datetime.datetime.now(datetime.UTC).date()
    statements = {
        "get_total_application_count": lambda: queries.total_application_count_statement(user_id),
        "get_application_count_by_month": lambda: queries.application_count_by_month_statement(
            user_id, queries.month_window(today)
        ),
        "get_count_by_statuses": lambda: queries.count_by_statuses_statement(user_id),
        # Stored answers: what a request runs once the answer is stored (the wrk run before stored it).
        "get_word_count": lambda: queries.WORD_COUNT.lookup_statement(user_id),
        "get_count_by_jobtitle_and_statuses": lambda: queries.JOBTITLE_AND_STATUSES.lookup_statement(user_id),
    }
    statements["get_application_count_by_month_with_total"] = statements["get_application_count_by_month"]
    everything = insights.Days()
    statements["get_funnel"] = lambda: insights.funnel_statement(user_id, everything)
    statements["get_response_stats"] = lambda: insights.response_histogram_statement(user_id, everything)
    statements["get_weekly_activity"] = lambda: insights.weekly_activity_statement(
        user_id, everything, insights.week_window(today)
    )
    return _compiled(statements[name]())


def jobapps_sql(user_id):
    from jobhax.jobapps import queries

    return _compiled(queries.list_jobapps_json_statement(user_id))


def export_sql(user_id):
    from jobhax.jobapps import csv_export

    return _compiled(csv_export.export_statement(user_id))


def duplicates_sql(user_id):
    from jobhax.jobapps import queries

    return _compiled(queries.duplicate_groups_json_statement(user_id))


def statuses_sql(user_id):
    from sqlalchemy import select

    from jobhax.jobapps import statuses
    from jobhax.jobapps.models import ApplicationStatus

    columns = (ApplicationStatus.id, ApplicationStatus.value, ApplicationStatus.position)
    return _compiled(statuses._in_list_order(select(*columns).where(statuses.visible_to(user_id))))


def ceiling_sql(token):
    from jobhax.accounts.services import access_token_owner_statement

    return _compiled(access_token_owner_statement(token, datetime.datetime.now(datetime.UTC)))


def cases(state, tokens):
    """(name, user, wrk request, pgbench script) in run order: reads first, then writes."""
    users = state["users"]
    found = []
    for name in ("u100", "u1000", "u10000"):
        found.append(
            (
                "get_jobapps",
                name,
                {"path": "/api/jobapps/get_jobapps"},
                {"sql": jobapps_sql(users[name]["id"])},
            )
        )
    # The same answer as a client that accepts gzip gets it: the server's CPU for compressing 2.4 MB.
    found.append(
        (
            "get_jobapps (gzip)",
            "u10000",
            {"path": "/api/jobapps/get_jobapps", "accept_encoding": "gzip"},
            {"sql": jobapps_sql(users["u10000"]["id"])},
        )
    )
    for name in ("u100", "u1000", "u10000"):
        for metric in METRICS:
            found.append(
                (
                    metric,
                    name,
                    {"path": f"/api/metrics/{metric}"},
                    {"sql": metric_sql(metric, users[name]["id"])},
                )
            )
    found.append(
        (
            "get_statuses",
            "statuses",
            {"path": "/api/jobapps/get_statuses"},
            {"sql": statuses_sql(users["statuses"]["id"])},
        )
    )
    found.append(
        (
            "export_csv",
            "u10000",
            {"path": "/api/jobapps/export_csv"},
            {"sql": export_sql(users["u10000"]["id"])},
        )
    )
    found.append(
        (
            "get_duplicates",
            "u10000",
            {"path": "/api/jobapps/get_duplicates"},
            {"sql": duplicates_sql(users["u10000"]["id"])},
        )
    )
    for endpoint in ("get_status_history", "get_jobapp_notes"):
        found.append(
            (
                endpoint,
                "u1000",
                {"path": f"/api/jobapps/{endpoint}?jobapp_id={{id}}"},
                {"file": BENCH / "sql" / f"{endpoint}.sql"},
            )
        )
    for user in ("writer", "hooked"):
        suffix = WITH_HOOKS if user == "hooked" else ""
        found.append(
            (
                "add_jobapp" + suffix,
                user,
                {
                    "method": "POST",
                    "path": "/api/jobapps/add_jobapp",
                    "body": '{"job_title": "Bench Engineer", "company": "Benchcorp", "source": "LinkedIn", '
                    '"status_id": {status}}',
                },
                {"file": BENCH / "sql" / "add_jobapp.sql"},
            )
        )
        found.append(
            (
                "update_jobapp" + suffix,
                user,
                {
                    "method": "POST",
                    "path": "/api/jobapps/update_jobapp",
                    "body": '{"jobapp_id": {id}, "status_id": {status}}',
                },
                {"file": BENCH / "sql" / "update_jobapp.sql"},
            )
        )
    return found


def run_wrk(port, token, ids, request, duration, connections):
    env = dict(
        os.environ,
        BENCH_TOKEN=token,
        BENCH_METHOD=request.get("method", "GET"),
        BENCH_PATH=request["path"],
        BENCH_IDS=",".join(map(str, ids[:2000])),
    )
    if "body" in request:
        env["BENCH_BODY"] = request["body"]
    if "accept_encoding" in request:
        env["BENCH_ACCEPT_ENCODING"] = request["accept_encoding"]
    output = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{duration}s",
            "-s",
            str(BENCH / "request.lua"),
            f"http://127.0.0.1:{port}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = json.loads(output.split("BENCH_RESULT ", 1)[1].splitlines()[0])
    return {
        "req_s": result["requests"] / (result["duration_us"] / 1e6),
        "p50_ms": result["p50_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "requests": result["requests"],
        "failed": result["errors"] + result["non_2xx"],
    }


# A string literal holding ":NAME" (to_char's 'HH24:MI:SS'): pgbench's prepared mode would take it for a
# variable, while its simple mode leaves undefined ones alone.
COLON_IN_LITERAL = re.compile(r"'[^']*:[A-Za-z_][^']*'")


def run_pgbench(url, user, script, duration, connections):
    variables = [
        "-D",
        f"user_id={user['id']}",
        "-D",
        f"first_id={min(user['live_ids'])}",
        "-D",
        f"last_id={max(user['live_ids'])}",
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as sql:
        if "sql" in script:
            sql.write(script["sql"])
            sql.flush()
        path = sql.name if "sql" in script else str(script["file"])
        mode = "simple" if COLON_IN_LITERAL.search(Path(path).read_text()) else "prepared"
        finished = subprocess.run(
            [
                "pgbench",
                "-n",
                "-M",
                mode,
                "-c",
                str(connections),
                "-j",
                "2",
                "-T",
                str(duration),
                *variables,
                "-f",
                path,
                url,
            ],
            capture_output=True,
            text=True,
        )
    if finished.returncode != 0:
        sys.exit(f"pgbench failed on {path}:\n{finished.stderr}")
    return float(re.search(r"tps = ([0-9.]+)", finished.stdout).group(1))


def process_cpu_seconds(pid):
    """User + system CPU time so far of a process and its children (the serve workers), from /proc, to show
    the server's own cost per request."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    total = 0
    for each in [pid, *map(int, children)]:
        fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


# --- targets and report -------------------------------------------------------------------------------------


def target(name, user):
    """The issue's target for this row: (minimum req/s, maximum p99 ms), or None."""
    if name in METRICS and user == "u100":
        return (700, None)
    if name in METRICS and user == "u10000":
        return (300, 60)
    if name == "get_jobapps" and user == "u10000":
        return (30, 400)
    if name in ("add_jobapp", "update_jobapp"):
        return (500, None)
    if name == "get_statuses" and user == "statuses":
        return (700, None)
    if name == "export_csv" and user == "u10000":
        return (20, None)
    if name == "get_duplicates" and user == "u10000":
        return (50, None)
    return None


def hooks_verdicts(rows):
    """A write with 3 hooks subscribed: within 10% of the same write without hooks (when both ran)."""
    for row in rows:
        if not row["endpoint"].endswith(WITH_HOOKS):
            continue
        base = next((r for r in rows if r["endpoint"] == row["endpoint"].removesuffix(WITH_HOOKS)), None)
        if base is None:
            continue
        met = row["req_s"] >= 0.9 * base["req_s"] and row["failed"] == 0
        row["target"] = ("met" if met else "MISSED") + f" (>= 90% of {base['req_s']:.0f}/s without hooks)"


def verdict(row):
    goal = target(row["endpoint"], row["user"])
    if goal is None:
        return ""
    rate, p99 = goal
    met = row["req_s"] >= rate and (p99 is None or row["p99_ms"] <= p99) and row["failed"] == 0
    return ("met" if met else "MISSED") + f" (>= {rate}/s" + (f", p99 <= {p99} ms)" if p99 else ")")


def machine():
    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        )
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_before": os.getloadavg(),
    }


def commit():
    described = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    )
    return described.stdout.strip()


def print_table(rows):
    header = (
        f"{'endpoint':<42}{'user':>7}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'cpu ms':>8}{'xceil':>7}{'pgbench':>9}"
        f"{'ratio':>7}{'failed':>7}{'load':>6}  target"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        ceiling = f"{row['cpu_x_ceiling']:>7.1f}" if row.get("cpu_x_ceiling") else f"{'-':>7}"
        pgbench = (
            f"{row['pgbench_tps']:>9.0f}{row['req_s'] / row['pgbench_tps']:>7.2f}"
            if row["pgbench_tps"]
            else f"{'-':>9}{'-':>7}"
        )
        print(
            f"{row['endpoint']:<42}{row['user']:>7}{row['req_s']:>8.0f}{row['p50_ms']:>8.1f}{row['p99_ms']:>8.1f}"
            f"{row['server_cpu_ms']:>8.2f}{ceiling}{pgbench}{row['failed']:>7}{row['load']:>6.1f}  {row['target']}"
        )


def database_for(url, total):
    """One database per table size, so ``--reuse`` keeps both the 100,000 and the 1,000,000 one."""
    target = make_url(url)
    return target.set(database=f"{target.database}_{total}").render_as_string(hide_password=False)


def prepared(url, total, reuse):
    """The seeded state of the database for ``total`` applications: reused when asked and of that shape."""
    if reuse:
        try:
            engine = create_engine(url)
            state = seeded_state(engine)
            engine.dispose()
        except Exception:
            state = None
        if state is not None and state["total"] == total and set(state["users"]) == set(BENCH_USERS):
            log(f"reusing {make_url(url).database} ({total} applications)")
            return state
    return seed(url, total)


def run(args, url, total, wanted):
    """Seed (or reuse) the database of ``total`` applications, serve it, run the cases ``wanted`` accepts."""
    url = database_for(url, total)
    state = prepared(url, total, args.reuse)
    forget_bench_writes(url, state["users"])
    tokens = issue_tokens(url, state["users"])
    log_path = Path(args.output).with_name("server.log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    wire = {}
    with log_path.open("a") as log_file:
        server = start_server(url, args.port, log_file, args.workers)
        try:
            if wanted("get_jobapps", "u10000"):
                wire = {
                    "endpoint": "get_jobapps",
                    "user": "u10000",
                    **wire_bytes(args.port, tokens["u10000"], "/api/jobapps/get_jobapps"),
                }
                log(
                    f"get_jobapps u10000 on the wire: {wire['identity']:,} bytes plain, {wire['gzip']:,} gzip"
                )
            if wanted(CEILING, "u100"):
                rows.append(
                    measure_ceiling(args, url, state["users"]["u100"], tokens["u100"], log_file, total)
                )
            for name, user_name, request, script in cases(state, tokens):
                if not wanted(name, user_name):
                    continue
                user = state["users"][user_name]
                row = {
                    "endpoint": name,
                    "user": user_name,
                    "user_applications": user["applications"],
                    "total_applications": total,
                }
                row.update(measure(args, url, server, args.port, tokens[user_name], user, request, script))
                row["target"] = verdict(row)
                rows.append(row)
                log(
                    f"{name} {user_name} ({total}): {row['req_s']:.0f} req/s, p99 {row['p99_ms']:.1f} ms, "
                    f"server CPU {row['server_cpu_ms']:.2f} ms/req, load {row['load']:.1f}"
                )
        finally:
            server.terminate()
            server.wait(timeout=40)
    hooks_verdicts(rows)
    ceiling_ratios(rows)
    return rows, wire


def measure(args, url, server, port, token, user, request, script):
    """wrk's figures for one request shape, the server's CPU per request, and pgbench's tps for its SQL."""
    cpu_before = process_cpu_seconds(server.pid)
    row = run_wrk(port, token, user["live_ids"], request, args.duration, args.connections)
    row["server_cpu_ms"] = (process_cpu_seconds(server.pid) - cpu_before) * 1000 / max(row["requests"], 1)
    row["pgbench_tps"] = (
        None if args.no_pgbench else run_pgbench(url, user, script, args.duration, args.connections)
    )
    row["load"] = os.getloadavg()[0]
    return row


def measure_ceiling(args, url, user, token, log_file, total):
    """The ceiling row: bench/ceiling.py served like the service, on the next port, for the u100 token."""
    server = start_ceiling(url, args.port + 1, log_file, args.workers)
    try:
        row = {
            "endpoint": CEILING,
            "user": "u100",
            "user_applications": user["applications"],
            "total_applications": total,
            **measure(
                args,
                url,
                server,
                args.port + 1,
                token,
                user,
                {"path": "/ceiling"},
                {"sql": ceiling_sql(token)},
            ),
        }
    finally:
        server.terminate()
        server.wait(timeout=40)
    row["target"] = ""
    log(f"ceiling: {row['req_s']:.0f} req/s, server CPU {row['server_cpu_ms']:.2f} ms/req")
    return row


def ceiling_ratios(rows):
    """Each row's server CPU per request over the ceiling's; a u100 row's target: at most twice it."""
    ceiling = next((row for row in rows if row["endpoint"] == CEILING), None)
    for row in rows:
        row["cpu_x_ceiling"] = row["server_cpu_ms"] / ceiling["server_cpu_ms"] if ceiling else None
        if ceiling and row["user"] == "u100" and row["endpoint"] != CEILING:
            met = row["cpu_x_ceiling"] <= CEILING_FACTOR
            verdict = ("met" if met else "MISSED") + f" (cpu <= {CEILING_FACTOR}x ceiling)"
            row["target"] = f"{row['target']}; {verdict}" if row["target"] else verdict


def growth(small, large):
    """The 100-application user's metrics on both table sizes; "flat" when p50 grew by at most 25% + 1 ms
    (the noise of this shared machine), which an unindexed per-user scan would exceed tenfold."""
    found = []
    for row in large:
        before = next(
            (r for r in small if (r["endpoint"], r["user"]) == (row["endpoint"], row["user"])), None
        )
        if before is None:
            continue
        flat = row["p50_ms"] <= before["p50_ms"] * 1.25 + 1
        found.append(
            {
                "endpoint": row["endpoint"],
                "user": row["user"],
                "small_total": before["total_applications"],
                "large_total": row["total_applications"],
                "small_p50_ms": before["p50_ms"],
                "large_p50_ms": row["p50_ms"],
                "small_p99_ms": before["p99_ms"],
                "large_p99_ms": row["p99_ms"],
                "small_req_s": before["req_s"],
                "large_req_s": row["req_s"],
                "verdict": "met (flat)" if flat else "MISSED (grew)",
            }
        )
    return found


def print_growth(rows):
    if not rows:
        return
    print()
    print(f"u100 metrics, {rows[0]['small_total']:,} vs {rows[0]['large_total']:,} applications in the table")
    header = f"{'endpoint':<42}{'req/s':>8}{'req/s':>8}{'p50 ms':>8}{'p50 ms':>8}{'p99 ms':>8}{'p99 ms':>8}  target"
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['endpoint']:<42}{row['small_req_s']:>8.0f}{row['large_req_s']:>8.0f}{row['small_p50_ms']:>8.1f}"
            f"{row['large_p50_ms']:>8.1f}{row['small_p99_ms']:>8.1f}{row['large_p99_ms']:>8.1f}  {row['verdict']}"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--duration",
        type=int,
        default=int(os.environ.get("BENCH_DURATION", 20)),
        help="seconds per endpoint for wrk and for pgbench (env BENCH_DURATION)",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=int(os.environ.get("BENCH_CONNECTIONS", 8)),
        help="wrk connections and pgbench clients (env BENCH_CONNECTIONS)",
    )
    parser.add_argument(
        "--total",
        type=int,
        default=int(os.environ.get("BENCH_TOTAL", 1_000_000)),
        help="applications in the table (env BENCH_TOTAL)",
    )
    parser.add_argument(
        "--compare-total",
        type=int,
        default=int(os.environ.get("BENCH_COMPARE_TOTAL", 100_000)),
        help="also run the 100-application user's metrics on a table of this many applications "
        "and compare (0: skip; env BENCH_COMPARE_TOTAL)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        default=bool(os.environ.get("BENCH_REUSE")),
        help="keep a database already seeded with the same total (env BENCH_REUSE=1)",
    )
    parser.add_argument(
        "--only", help="run only endpoints whose name contains this (comma-separated: any of these)"
    )
    parser.add_argument(
        "--users", help="comma-separated bench users to run (u100,u1000,u10000,writer,hooked,statuses)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("BENCH_WORKERS", os.cpu_count() or 1)),
        help="jobhax serve --workers (default: one per CPU; env BENCH_WORKERS)",
    )
    parser.add_argument("--no-pgbench", action="store_true")
    parser.add_argument("--port", type=int, default=6599)
    parser.add_argument("--output", default=str(BENCH / "results" / "latest.json"))
    args = parser.parse_args(argv)

    ensure_tools()
    url = os.environ.get("JOBHAX_BENCH_DATABASE_URL", DEFAULT_URL)
    Path(args.output).with_name("server.log").unlink(missing_ok=True)
    info = machine()

    def wanted(name, user):
        only = not args.only or any(part in name for part in args.only.split(","))
        return only and (not args.users or user in args.users.split(","))

    rows, wire = run(args, url, args.total, wanted)
    compared = []
    if args.compare_total and args.compare_total != args.total:
        small, _ = run(
            args,
            url,
            args.compare_total,
            lambda name, user: user == "u100" and name in METRICS and wanted(name, user),
        )
        compared = growth(small, rows)
    info["load_after"] = os.getloadavg()
    print_table(rows)
    print_growth(compared)
    if wire:
        print(
            f"\nget_jobapps u10000 on the wire: {wire['identity']:,} bytes plain, "
            f"{wire['gzip']:,} bytes gzip ({wire['gzip'] / wire['identity']:.1%})"
        )
    report = {
        "machine": info,
        "commit": commit(),
        "total_applications": args.total,
        "duration_s": args.duration,
        "connections": args.connections,
        "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "figures": rows,
        "growth": compared,
        "wire_bytes": wire,
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n")
    log(f"wrote {args.output}")


if __name__ == "__main__":
    main()
