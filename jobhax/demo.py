"""Realistic bulk data for demos and benchmarks, written with COPY.

The shape follows what real job seekers produce: few distinct titles (~15% of a user's applications),
more distinct companies (~30%), LinkedIn-heavy sources, most applications still at "Applied", dates
spread over 14 months, one status-history row per application and 0-3 notes. The same seed gives the
same rows. Every demo user's password is :data:`DEMO_PASSWORD`, hashed once for all of them because
argon2 is deliberately slow.
"""

import datetime
import io
import math
import random

from jobhax.accounts.passwords import hash_password
from jobhax.clock import utcnow
from jobhax.progress import silent

DEMO_PASSWORD = "jobhax demo password"  # noqa: S105 (every demo user's, documented; seed-demo refuses production)
TITLE_SHARE = 0.15
COMPANY_SHARE = 0.30
SOURCES = (
    "LinkedIn",
    "Indeed",
    "Hired.com",
    "Vettery",
    "Glassdoor",
    "AngelList",
    "Referral",
    "Company website",
)
SOURCE_WEIGHTS = (35, 20, 15, 10, 5, 5, 5, 5)
STATUS_IDS = (1, 2, 3, 4, 5)
STATUS_WEIGHTS = (50, 20, 15, 10, 5)
REJECTED_SHARE = 0.10
DELETED_SHARE = 0.05
SPAN = datetime.timedelta(days=426)  # 14 months
MAX_NOTES = 3
# Rows per COPY batch: bounds memory while keeping each COPY large enough to be cheap.
BATCH_ROWS = 200_000

LEVELS = ("Junior", "Senior", "Staff", "Principal", "Lead", "Intern", "Associate", "Head of")
AREAS = (
    "Backend",
    "Frontend",
    "Full Stack",
    "Mobile",
    "Android",
    "iOS",
    "Data",
    "Machine Learning",
    "Platform",
    "Security",
    "Cloud",
    "Embedded",
    "QA",
    "Site Reliability",
    "Game",
    "Web",
)
ROLES = (
    "Engineer",
    "Developer",
    "Architect",
    "Analyst",
    "Scientist",
    "Consultant",
    "Manager",
    "Designer",
    "Specialist",
    "Administrator",
    "Programmer",
    "Researcher",
)
NAME_STARTS = (
    "Blue",
    "Bright",
    "Cloud",
    "Data",
    "Deep",
    "Fast",
    "Green",
    "Hyper",
    "Iron",
    "Lumen",
    "Meta",
    "Nimbus",
    "North",
    "Open",
    "Pixel",
    "Quantum",
    "Red",
    "Silver",
    "Smart",
    "Solar",
    "Star",
    "Swift",
    "True",
    "Vector",
    "Zen",
)
NAME_ENDS = (
    "bit",
    "byte",
    "craft",
    "dash",
    "flow",
    "forge",
    "grid",
    "hub",
    "labs",
    "leaf",
    "line",
    "logic",
    "mind",
    "nest",
    "path",
    "point",
    "scale",
    "shift",
    "soft",
    "spark",
    "stack",
    "ware",
    "wave",
    "works",
)
COMPANY_KINDS = ("", " Inc.", " GmbH", " Ltd", " Technologies", " Systems", " Group", " AG")
NOTES = (
    "Recruiter called, follow up next week.",
    "Sent thank-you email after the interview.",
    "Salary range discussed: matches expectations.",
    "Asked for a take-home assignment.",
    "Referral from a former colleague.",
    "Team uses Python and PostgreSQL.",
    "Second round scheduled with the hiring manager.",
    "No answer yet, ping them Friday.",
)


def _numbered(names, index):
    """The index-th name, numbered once the base combinations run out so any count stays distinct."""
    name = names[index % len(names)]
    rounds = index // len(names)
    return name if rounds == 0 else f"{name} {rounds + 1}"


TITLES = [f"{level} {area} {role}" for level in LEVELS for area in AREAS for role in ROLES]
COMPANIES = [f"{start}{end}{kind}" for kind in COMPANY_KINDS for start in NAME_STARTS for end in NAME_ENDS]


def _pool(rng, names, count):
    """``count`` distinct names, shuffled, drawn from ``names`` (numbered past its end)."""
    picks = rng.sample(range(max(count, len(names))), count)
    return [_numbered(names, index) for index in picks]


def _spread(rng, pool, count):
    """``count`` draws from ``pool`` that use every name in it at least once."""
    draws = pool[:count] + rng.choices(pool, k=max(0, count - len(pool)))
    rng.shuffle(draws)
    return draws


def _sizes(rng, users, apps_per_user, size_mix):
    """Applications per user: all equal, or a long-tailed mix with the same mean."""
    if not size_mix:
        return [apps_per_user] * users
    return [max(1, round(rng.expovariate(1 / apps_per_user))) for _ in range(users)]


def _reserve_ids(cursor, sequence, count):
    """The first of ``count`` consecutive ids taken from ``sequence`` (the caller holds the table lock)."""
    if count == 0:
        return 0
    cursor.execute("SELECT setval(%s, nextval(%s) + %s - 1) - %s + 1", (sequence, sequence, count, count))
    return cursor.fetchone()[0]


def _utc(value):
    return value.strftime("%Y-%m-%d %H:%M:%S+00")


def _copy(cursor, table, columns, buffer):
    """COPY the tab-separated ``buffer`` in through psycopg 3, the engine's driver."""
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(buffer.getvalue())


class _Batch:
    """COPY buffers for applications, history and notes, flushed every BATCH_ROWS applications."""

    def __init__(self, cursor):
        self.cursor = cursor
        self._reset()

    def _reset(self):
        self.jobapps = io.StringIO()
        self.history = io.StringIO()
        self.notes = io.StringIO()
        self.rows = 0

    def flush(self):
        if self.rows:
            _copy(
                self.cursor,
                "job_applications",
                (
                    "id",
                    "user_id",
                    "job_title",
                    "company",
                    "source",
                    "status_id",
                    "is_rejected",
                    "apply_date",
                    "created_at",
                    "deleted_at",
                ),
                self.jobapps,
            )
            _copy(
                self.cursor,
                "status_history",
                ("user_id", "jobapp_id", "status_id", "changed_at"),
                self.history,
            )
            _copy(self.cursor, "notes", ("user_id", "jobapp_id", "description", "created_at"), self.notes)
        self._reset()


def seed_demo(connection, users, apps_per_user, seed, size_mix=False, now=None, progress=silent):
    """Add ``users`` demo users with their applications; return ``[{id, username, applications}]``.

    ``connection`` is a SQLAlchemy connection inside a transaction the caller commits; ``progress`` a
    :mod:`jobhax.progress` factory, advanced per application written.
    """
    rng = random.Random(seed)  # noqa: S311 (repeatable demo data, not secrets)
    now = now or utcnow().replace(microsecond=0)
    span_seconds = int(SPAN.total_seconds())
    sizes = _sizes(rng, users, apps_per_user, size_mix)
    cursor = connection.connection.cursor()
    # Ids are reserved in one block, so nothing else may insert applications meanwhile.
    cursor.execute("LOCK TABLE users, job_applications IN SHARE ROW EXCLUSIVE MODE")
    first_user = _reserve_ids(cursor, "users_id_seq", users)
    next_jobapp = _reserve_ids(cursor, "job_applications_id_seq", sum(sizes))
    password_hash = hash_password(DEMO_PASSWORD)
    seeded = []
    user_rows = io.StringIO()
    for offset, size in enumerate(sizes):
        user_id = first_user + offset
        username = f"demo{user_id}"
        user_rows.write(
            f"{user_id}\t{username}\t{username}@example.com\tDemo\tUser {user_id}\t{password_hash}\t"
            f"{_utc(now)}\n"
        )
        seeded.append({"id": user_id, "username": username, "applications": size})
    _copy(
        cursor,
        "users",
        ("id", "username", "email", "first_name", "last_name", "password_hash", "created_at"),
        user_rows,
    )

    batch = _Batch(cursor)
    with progress(total=sum(sizes), desc="seed-demo", unit="application") as bar:
        for user in seeded:
            size = user["applications"]
            titles = _spread(rng, _pool(rng, TITLES, max(1, math.ceil(size * TITLE_SHARE))), size)
            companies = _spread(rng, _pool(rng, COMPANIES, max(1, math.ceil(size * COMPANY_SHARE))), size)
            sources = rng.choices(SOURCES, SOURCE_WEIGHTS, k=size)
            statuses = rng.choices(STATUS_IDS, STATUS_WEIGHTS, k=size)
            random_share = rng.random
            for index in range(size):
                jobapp_id = next_jobapp
                next_jobapp += 1
                applied = now - datetime.timedelta(seconds=rng.randrange(span_seconds))
                applied_text = _utc(applied)
                deleted = (
                    _utc(applied + datetime.timedelta(days=1)) if random_share() < DELETED_SHARE else "\\N"
                )
                rejected = "t" if random_share() < REJECTED_SHARE else "f"
                batch.jobapps.write(
                    f"{jobapp_id}\t{user['id']}\t{titles[index]}\t{companies[index]}\t{sources[index]}"
                    f"\t{statuses[index]}\t{rejected}\t{applied_text}\t{applied_text}\t{deleted}\n"
                )
                batch.history.write(f"{user['id']}\t{jobapp_id}\t{statuses[index]}\t{applied_text}\n")
                for note in range(rng.randint(0, MAX_NOTES)):
                    written = _utc(applied + datetime.timedelta(hours=note + 1))
                    batch.notes.write(f"{user['id']}\t{jobapp_id}\t{rng.choice(NOTES)}\t{written}\n")
                batch.rows += 1
                if batch.rows >= BATCH_ROWS:
                    batch.flush()
            bar.update(size)
        batch.flush()
    # Fresh statistics, so the first queries on the new rows get the per-user plans.
    cursor.execute("ANALYZE users, job_applications, status_history, notes")
    cursor.close()
    return seeded
