"""Schema reporting as BI tools and operators see it: columns, comments, privileges, refresh, plans."""

import datetime
import json
import secrets
import threading

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from jobhax.metrics import queries
from jobhax.metrics.refresh import create_bi_user, refresh_reports
from jobhax.migrations import downgrade, upgrade

CONTRACT = {
    "job_applications": [
        ("user_id", "integer"),
        ("jobapp_id", "integer"),
        ("job_title", "character varying"),
        ("company", "character varying"),
        ("source", "character varying"),
        ("source_bucket", "text"),
        ("status_id", "integer"),
        ("status", "character varying"),
        ("is_rejected", "boolean"),
        ("applied_at", "timestamp with time zone"),
        ("applied_month", "date"),
    ],
    "status_counts": [
        ("user_id", "integer"),
        ("status_id", "integer"),
        ("status", "character varying"),
        ("count", "bigint"),
    ],
    "title_status_counts": [
        ("user_id", "integer"),
        ("job_title", "character varying"),
        ("status_id", "integer"),
        ("status", "character varying"),
        ("count", "bigint"),
    ],
    "monthly_source_counts": [
        ("user_id", "integer"),
        ("month", "date"),
        ("source_bucket", "text"),
        ("count", "bigint"),
    ],
    "company_counts": [("user_id", "integer"), ("company", "character varying"), ("count", "bigint")],
    "status_transitions": [
        ("user_id", "integer"),
        ("jobapp_id", "integer"),
        ("from_status", "character varying"),
        ("to_status", "character varying"),
        ("changed_at", "timestamp with time zone"),
        ("origin", "text"),
    ],
    "funnel": [
        ("user_id", "integer"),
        ("status_id", "integer"),
        ("status", "character varying"),
        ("reached", "bigint"),
        ("rejected_here", "bigint"),
    ],
    "response_times": [
        ("user_id", "integer"),
        ("jobapp_id", "integer"),
        ("source_bucket", "text"),
        ("applied_at", "timestamp with time zone"),
        ("first_response_at", "timestamp with time zone"),
    ],
    "refresh_log": [
        ("view_name", "text"),
        ("refreshed_at", "timestamp with time zone"),
        ("duration_ms", "integer"),
    ],
}
MATERIALIZED = {
    "mv_monthly_source_counts": "monthly_source_counts",
    "mv_status_counts": "status_counts",
    "mv_title_status_counts": "title_status_counts",
}
PRIVATE_TABLES = (
    "users",
    "oauth_tokens",
    "oauth_clients",
    "social_accounts",
    "mails",
    "mail_imports",
    "job_applications",
    "job_postings",
    "notes",
    "status_history",
    "login_failures",
)
RELATIONS = """
    SELECT c.oid, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = :schema AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
"""


def columns(connection, name):
    # pg_attribute rather than information_schema, which leaves materialized views out.
    return connection.execute(
        text("""
        SELECT a.attname, format_type(a.atttypid, NULL) FROM pg_attribute a
        WHERE a.attrelid = ('reporting.' || quote_ident(:name))::regclass AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum"""),
        {"name": name},
    ).all()


def test_views_have_the_contract_columns(engine):
    with engine.connect() as connection:
        for name, expected in CONTRACT.items():
            assert [tuple(row) for row in columns(connection, name)] == expected, name
        for name, view in MATERIALIZED.items():
            assert [tuple(row) for row in columns(connection, name)] == CONTRACT[view], name


def test_every_relation_and_column_has_a_comment(engine):
    with engine.connect() as connection:
        relations = connection.execute(text(RELATIONS), {"schema": "reporting"}).all()
        assert {name for _, name, _ in relations} == set(CONTRACT) | set(MATERIALIZED)
        for oid, name, _ in relations:
            assert connection.scalar(text("SELECT obj_description(:oid, 'pg_class')"), {"oid": oid}), name
            missing = (
                connection.execute(
                    text("""
                SELECT attname FROM pg_attribute WHERE attrelid = :oid AND attnum > 0 AND NOT attisdropped
                AND col_description(attrelid, attnum) IS NULL"""),
                    {"oid": oid},
                )
                .scalars()
                .all()
            )
            assert missing == [], name


def test_source_bucket_rule(engine):
    cases = {
        "Hired.com": "Hired.com",
        " hired.COM ": "Hired.com",
        "LinkedIn": "LinkedIn",
        "linkedin\t": "LinkedIn",
        "INDEED": "Indeed",
        "Vettery": "Vettery",
        "": "Others",
        "Hired": "Others",
        "LinkedIn Premium": "Others",
        "Glassdoor": "Others",
    }
    with engine.connect() as connection:
        for source, bucket in cases.items():
            assert connection.scalar(text("SELECT reporting.source_bucket(:s)"), {"s": source}) == bucket, (
                source
            )


def test_reporting_role_reads_reporting_only(engine):
    """PUBLIC and jobhax_reporting hold nothing on the app's tables; the role may only read schema reporting."""
    with engine.connect() as connection:
        for oid, name, _ in connection.execute(text(RELATIONS), {"schema": "public"}):
            acl = connection.scalar(text("SELECT relacl::text FROM pg_class WHERE oid = :oid"), {"oid": oid})
            assert acl is None or (
                "jobhax_reporting" not in acl and not acl.startswith("{=") and ",=" not in acl
            ), (name, acl)
            assert not connection.scalar(
                text("SELECT has_table_privilege('jobhax_reporting', :oid, 'SELECT')"), {"oid": oid}
            ), name
        for oid, name, _ in connection.execute(text(RELATIONS), {"schema": "reporting"}):
            privileges = (
                connection.execute(
                    text("""
                SELECT p FROM unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER']) p
                WHERE has_table_privilege('jobhax_reporting', :oid, p)"""),
                    {"oid": oid},
                )
                .scalars()
                .all()
            )
            assert privileges == ["SELECT"], name
        assert not connection.scalar(
            text("SELECT has_schema_privilege('jobhax_reporting', 'reporting', 'CREATE')")
        )


@pytest.fixture
def bi_user(engine):
    name = f"bi_test_{secrets.token_hex(4)}"
    with engine.begin() as connection:
        url = create_bi_user(connection, name)
    bi_engine = create_engine(url)
    yield name, url, bi_engine
    bi_engine.dispose()
    with engine.begin() as connection:
        # Roles are cluster-wide: leave none behind on a shared server.
        connection.execute(text(f"DROP ROLE {name}"))


def test_bi_user_reads_every_reporting_relation_and_nothing_else(bi_user, engine):
    name, url, bi_engine = bi_user
    parsed = make_url(url)
    assert parsed.drivername == "postgresql" and parsed.username == name and len(parsed.password) >= 32
    assert parsed.database == engine.url.database
    with bi_engine.connect() as connection:
        for relation in list(CONTRACT) + list(MATERIALIZED):
            connection.execute(text(f"SELECT * FROM reporting.{relation} LIMIT 1")).all()
        # search_path is set to reporting for BI users.
        connection.execute(text("SELECT count(*) FROM status_counts")).scalar()
        connection.rollback()
    for table in PRIVATE_TABLES:
        with bi_engine.connect() as connection, pytest.raises(ProgrammingError, match="permission denied"):
            connection.execute(text(f"SELECT * FROM public.{table} LIMIT 1"))
    write = "INSERT INTO reporting.refresh_log (view_name, duration_ms) VALUES ('x', 1)"
    with bi_engine.connect() as connection, pytest.raises(DBAPIError, match="read-only transaction"):
        connection.execute(text(write))
    # Read-only is only a default a session can lift; the privileges hold without it.
    for statement in (
        write,
        "REFRESH MATERIALIZED VIEW reporting.mv_status_counts",
        "CREATE TABLE reporting.mine (x int)",
        "CREATE TABLE public.mine (x int)",
    ):
        with bi_engine.connect() as connection:
            connection.exec_driver_sql("SET default_transaction_read_only = off")
            connection.commit()
            with pytest.raises(ProgrammingError, match=r"permission denied|must be owner"):
                connection.execute(text(statement))


def test_bi_password_is_stored_as_a_scram_verifier(bi_user, engine):
    name, url, _ = bi_user
    with engine.connect() as connection:
        stored = connection.scalar(text("SELECT rolpassword FROM pg_authid WHERE rolname = :n"), {"n": name})
    assert stored.startswith("SCRAM-SHA-256$") and make_url(url).password not in stored


def test_create_bi_user_refuses_bad_or_taken_names(bi_user, engine):
    name, _, _ = bi_user
    with engine.begin() as connection:
        for bad in ("", "Robert", "1abc", "a;drop role x", "a" * 64):
            with pytest.raises(ValueError):
                create_bi_user(connection, bad)
        with pytest.raises(ValueError, match="already exists"):
            create_bi_user(connection, name)


def refresh_log_count(connection):
    return connection.scalar(text("SELECT count(*) FROM reporting.refresh_log"))


def test_refresh_reports_updates_the_snapshots_and_logs_them(api, factories, engine):
    factories.jobapp(api.user, job_title="Snapshot", company="Acme", source="Indeed", status_id=3)
    with engine.begin() as connection:
        before = refresh_log_count(connection)
        done = refresh_reports(connection)
    assert [name for name, _ in done] == sorted(MATERIALIZED)
    with engine.connect() as connection:
        assert refresh_log_count(connection) == before + 3
        user = {"u": api.user.id}
        assert connection.execute(
            text("SELECT status, count FROM reporting.mv_status_counts WHERE user_id = :u"), user
        ).all() == [("Phone Screen", 1)]
        assert connection.execute(
            text("SELECT job_title, status, count FROM reporting.mv_title_status_counts WHERE user_id = :u"),
            user,
        ).all() == [("Snapshot", "Phone Screen", 1)]
        month = datetime.datetime.now(datetime.UTC).date().replace(day=1)
        assert connection.execute(
            text(
                "SELECT month, source_bucket, count FROM reporting.mv_monthly_source_counts WHERE user_id = :u"
            ),
            user,
        ).all() == [(month, "Indeed", 1)]


def test_concurrent_refresh_does_not_block_readers(api, factories, engine):
    factories.jobapp(api.user, company="Before")
    with engine.begin() as connection:
        refresh_reports(connection)
    factories.jobapp(api.user, company="After")
    query = text("SELECT count FROM reporting.mv_status_counts WHERE user_id = :u")
    with engine.connect() as refresher, engine.connect() as reader:
        reader.exec_driver_sql("SET lock_timeout = '2s'")
        refresh_reports(refresher)  # holds its locks until commit
        # The reader neither waits nor sees the uncommitted snapshot.
        assert reader.execute(query, {"u": api.user.id}).scalar() == 1
        reader.rollback()
        refresher.commit()
        assert reader.execute(query, {"u": api.user.id}).scalar() == 2


def test_a_plain_refresh_would_block_readers(engine):
    """The control for the test above: without CONCURRENTLY, readers wait (here: time out)."""
    with engine.connect() as refresher, engine.connect() as reader:
        refresher.exec_driver_sql("REFRESH MATERIALIZED VIEW reporting.mv_status_counts")
        reader.exec_driver_sql("SET lock_timeout = '200ms'")
        with pytest.raises(OperationalError, match="lock timeout"):
            reader.execute(text("SELECT count(*) FROM reporting.mv_status_counts")).scalar()
        refresher.rollback()


def test_a_concurrent_refresh_runs_while_a_reader_holds_a_snapshot(engine):
    """A reader in a long transaction never makes the refresh wait either."""
    with engine.connect() as reader:
        reader.execute(text("SELECT count(*) FROM reporting.mv_monthly_source_counts")).scalar()
        finished = threading.Event()

        def refresh():
            with engine.begin() as connection:
                connection.exec_driver_sql("SET lock_timeout = '2s'")
                refresh_reports(connection)
            finished.set()

        worker = threading.Thread(target=refresh)
        worker.start()
        worker.join(10)
        assert finished.is_set()
        reader.rollback()


def plan_nodes(plan):
    yield plan
    for child in plan.get("Plans", ()):
        yield from plan_nodes(child)


def metric_statements(user_id):
    today = datetime.date(2020, 1, 15)
    return {
        "total": queries.total_application_count_statement(user_id),
        "by_month": queries.application_count_by_month_statement(user_id, queries.month_window(today)),
        "by_statuses": queries.count_by_statuses_statement(user_id),
        "words": queries.word_count_statement(user_id),
        "jobtitle_statuses": queries.count_by_jobtitle_and_statuses_statement(user_id),
    }


COUNTERS = {"monthly_source_counts", "status_counts", "title_status_counts", "company_counts"}


def test_metric_queries_read_only_the_callers_counters(api, engine):
    """With many other users' rows, each metric reaches the counters through their per-user index and never
    touches job_applications."""
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO users (username) SELECT 'bulk' || g FROM generate_series(1, 500) g")
        )
        connection.execute(
            text("""
            INSERT INTO job_applications (user_id, job_title, company, source, status_id, apply_date, deleted_at)
            SELECT u.id, 'Title ' || (g % 40), 'Company ' || (g % 70),
                   (ARRAY['LinkedIn', 'Indeed', 'Hired.com', 'Vettery', 'Other'])[1 + g % 5],
                   1 + g % 5, timestamptz '2020-01-15' - (g % 420) * interval '1 day',
                   CASE WHEN g % 13 = 0 THEN now() END
            FROM users u CROSS JOIN generate_series(1, 60) g WHERE u.username LIKE 'bulk%'""")
        )
        connection.execute(
            text("""
            INSERT INTO job_applications (user_id, job_title, company, source, status_id, apply_date)
            SELECT :u, 'Mine ' || g, 'Mine', 'LinkedIn', 1, timestamptz '2019-12-01' + g * interval '1 day'
            FROM generate_series(1, 20) g"""),
            {"u": api.user.id},
        )
        connection.exec_driver_sql(
            "ANALYZE metrics.monthly_source_counts, metrics.status_counts, "
            "metrics.title_status_counts, metrics.company_counts"
        )
    with engine.connect() as connection:
        for name, statement in metric_statements(api.user.id).items():
            compiled = statement.compile(dialect=connection.dialect)
            raw = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar()
            plan = (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]
            nodes = list(plan_nodes(plan))
            assert not any(node.get("Relation Name") == "job_applications" for node in nodes), (name, plan)
            counters = [
                node
                for node in nodes
                if node.get("Relation Name") in COUNTERS
                or str(node.get("Index Name", "")).startswith("ix_metrics_")
            ]
            assert counters and all(node["Node Type"] != "Seq Scan" for node in counters), (name, plan)


def reporting_state(url):
    scratch = create_engine(url)
    try:
        with scratch.connect() as connection:
            return {
                "schema": connection.scalar(
                    text("SELECT count(*) FROM pg_namespace WHERE nspname = 'reporting'")
                ),
                "role": connection.scalar(
                    text("SELECT count(*) FROM pg_roles WHERE rolname = 'jobhax_reporting'")
                ),
                "connect": connection.scalar(
                    text(
                        "SELECT coalesce(datacl::text LIKE '%jobhax_reporting=c%', false) FROM pg_database "
                        "WHERE datname = current_database()"
                    )
                ),
                "default_acls": connection.scalar(text("SELECT count(*) FROM pg_default_acl")),
                "revision": connection.scalar(text("SELECT version_num FROM alembic_version")),
            }
    finally:
        scratch.dispose()


def test_downgrade_and_upgrade_again(scratch_database_url):
    upgrade(scratch_database_url)
    at_head = reporting_state(scratch_database_url)
    assert at_head["schema"] == 1 and at_head["role"] == 1 and at_head["connect"] is True
    downgrade(scratch_database_url, "0001")
    # The cluster-wide role stays (other databases may use it) but keeps nothing in this database.
    assert reporting_state(scratch_database_url) == {
        "schema": 0,
        "role": 1,
        "connect": False,
        "default_acls": 0,
        "revision": "0001",
    }
    upgrade(scratch_database_url)
    assert reporting_state(scratch_database_url) == at_head
