"""Every table of user data carries a non-null user_id, keyed by it, and every request's statements filter by
it (README "Scaling out": how a distributed PostgreSQL would place each user's rows on one node)."""

import pytest
from sqlalchemy import text

from jobhax import configure
from jobhax.api import PUBLIC
from jobhax.models import Base
from tests.api_client import test_app

# Tables without user_id, each for its reason; every other table, of the models or of the SQL files (schema
# metrics), must have it, not null.
WITHOUT_OWNER = {
    "public.users": "its id is the user id",
    "public.oauth_clients": "reference table: our registered API clients, no user's",
    "public.registration_counters": "per client address, counted before any user exists",
    "public.login_failures": "per username and client address, counted before a user is known (or exists)",
    "public.alembic_version": "Alembic's revision",
}
# Reference tables whose user_id may be null.
SHARED_ROWS = {"public.application_statuses": "the five shared statuses belong to no user"}
# Keys that leave user_id out, which a distributed table cannot have; README "Scaling out" says what becomes
# of each before distributing.
KEYS_WITHOUT_OWNER = {
    "public.oauth_tokens": {"uq_oauth_tokens_access_token_hash", "uq_oauth_tokens_refresh_token_hash"},
    "public.email_tokens": {"uq_email_tokens_token_hash"},
    "public.social_accounts": {"uq_social_accounts_provider_subject"},
    "metrics.jobapp_insights": {"jobapp_insights_pkey"},
}

_TABLES = """
SELECT n.nspname || '.' || c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('public', 'metrics') AND c.relname NOT LIKE 'procrastinate%'
"""
_OWNER_COLUMN = """
SELECT a.attnotnull FROM pg_attribute a
WHERE a.attrelid = CAST(:table AS regclass) AND a.attname = 'user_id' AND NOT a.attisdropped
"""
# Primary keys, unique constraints and unique indexes, with their columns.
_UNIQUE_KEYS = """
SELECT i.indexrelid::regclass::text, array_agg(a.attname::text)
FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
WHERE i.indrelid = CAST(:table AS regclass) AND i.indisunique
GROUP BY 1
"""
# Foreign keys between two tables of user data.
_FOREIGN_KEYS = """
SELECT conname, ARRAY(SELECT attname::text FROM pg_attribute WHERE attrelid = conrelid AND attnum = ANY(conkey))
FROM pg_constraint
WHERE contype = 'f' AND conrelid = CAST(:table AS regclass) AND confrelid = ANY(CAST(:owned AS regclass[]))
"""


def _qualified(table):
    return f"{table.schema or 'public'}.{table.name}"


def test_every_model_of_user_data_has_a_non_null_user_id():
    for table in Base.metadata.sorted_tables:
        name = _qualified(table)
        if name in WITHOUT_OWNER:
            continue
        assert "user_id" in table.c, f"{name} has no user_id"
        assert table.c.user_id.nullable == (name in SHARED_ROWS), f"{name}.user_id nullable"


@pytest.fixture
def catalog(engine):
    with engine.connect() as connection:
        yield connection


def _owned_tables(catalog):
    tables = catalog.execute(text(_TABLES)).scalars().all()
    return [table for table in tables if table not in WITHOUT_OWNER]


def test_every_table_of_user_data_in_the_database_has_a_non_null_user_id(catalog):
    """The SQL files' tables too: the metric and insight counters of schema metrics."""
    tables = catalog.execute(text(_TABLES)).scalars().all()
    assert set(WITHOUT_OWNER) | set(SHARED_ROWS) <= set(tables), "an exemption names no table"
    assert {"metrics.status_counts", "metrics.jobapp_insights", "public.notes"} <= set(tables)
    for table in _owned_tables(catalog):
        not_null = catalog.execute(text(_OWNER_COLUMN), {"table": table}).scalar()
        assert not_null is not None, f"{table} has no user_id"
        assert not_null == (table not in SHARED_ROWS), f"{table}.user_id nullable"


def test_keys_of_user_data_include_user_id(catalog):
    """Primary and unique keys, and foreign keys between tables of user data, include user_id: a node of a
    distributed database can only check the keys of the rows it holds."""
    owned = [table for table in _owned_tables(catalog) if table not in SHARED_ROWS]
    for table in owned:
        for key, columns in catalog.execute(text(_UNIQUE_KEYS), {"table": table}):
            if key.split(".")[-1] not in KEYS_WITHOUT_OWNER.get(table, ()):
                assert "user_id" in columns, f"{table}: {key} {columns}"
        for key, columns in catalog.execute(text(_FOREIGN_KEYS), {"table": table, "owned": owned}):
            assert "user_id" in columns, f"{table}: {key} {columns}"


def test_a_request_reading_another_users_rows_fails_its_test(
    settings, app, request_statements, sql_scope_checker
):
    """The recorder sees what a request sends, and the checker names the table it left unconstrained."""

    def everyone(request):
        request.dbsession.execute(text("SELECT count(*) FROM notes WHERE jobapp_id = 1")).scalar()
        return {}

    config = configure(dict(settings, **{"jobhax.engine": app.registry["engine"]}))
    config.add_route("everyone", "/api/test/everyone")
    config.add_view(everyone, route_name="everyone", permission=PUBLIC, renderer="json")
    test_app(config.make_wsgi_app(), "standard").get("/api/test/everyone")
    recorded = list(request_statements.statements)
    request_statements.statements.clear()  # caught here: this test's teardown must not fail on it
    found = [
        violation.table for statement in recorded for violation in sql_scope_checker.violations(statement)
    ]
    assert found == ["public.notes"]
