"""Database and app fixtures: one migrated database per test run, real commits, truncation after each test.

Each test run gets its own database (several runs can share one server), built with
``alembic upgrade head``. The app commits for real (pyramid_tm), so tests observe exactly
what a client would, rollbacks included; tables are truncated after each test.
"""

import os
import secrets
import signal
from pathlib import Path

import pytest
import webtest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url

from jobhax import configure, main
from jobhax.api import PUBLIC
from jobhax.db import embedded_database_url
from jobhax.jobapps.statuses import SHARED_STATUSES
from jobhax.migrations import upgrade
from tests.api_client import HTTP_STATUS_MODES, LEGACY, STANDARD, ApiClient, asserts_error_codes, test_app
from tests.databases import drop_database, recreate_database
from tests.factories import Factories
from tests.fakeprovider import GOOGLE_CLIENT_IDS, LINKEDIN_CLIENT_ID, LINKEDIN_CLIENT_SECRET, FakeProvider
from tests.sql_scope import LOOKUPS, ScopeChecker, user_data_relations
from tests.statements import RequestStatements, StatementCounter

ROOT = Path(__file__).resolve().parent.parent
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"
KEPT_TABLES = {"alembic_version", "application_statuses"}


def _server_url():
    url = os.environ.get("JOBHAX_TEST_DATABASE_URL")
    return url or embedded_database_url(os.environ.get("JOBHAX_VAR_DIR") or ROOT / "var", "pgtest")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def pytest_configure(config):
    # SIGTERM (`make test` stopped, a CI timeout) ends the run as Ctrl-C does: fixtures are torn down (the
    # run's database dropped), then the embedded PostgreSQL stops as pytest exits.
    signal.signal(signal.SIGTERM, _interrupt)


@pytest.fixture(scope="session")
def database_url():
    name = f"jobhax_test_{os.getpid()}_{secrets.token_hex(4)}"
    url = make_url(_server_url()).set(database=name).render_as_string(hide_password=False)
    recreate_database(url)
    upgrade(url)
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def fake_provider():
    """The fake Google/Gmail/LinkedIn server, started once per run (tests/fakeprovider.py): plain http on
    127.0.0.1, which the app accepts as a loopback provider base with no environment variable."""
    server = FakeProvider().start()
    yield server
    server.stop()


@pytest.fixture
def provider(fake_provider):
    """The fake provider, emptied and without faults, for one test."""
    fake_provider.reset()
    yield fake_provider
    fake_provider.reset()


@pytest.fixture
def scratch_database_url(database_url):
    """An empty database beside the run's one, for migration tests; dropped afterwards."""
    server = make_url(database_url)
    url = server.set(database=f"{server.database}_scratch_{secrets.token_hex(4)}")
    url = url.render_as_string(hide_password=False)
    recreate_database(url)
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def provider_base_url(fake_provider):
    """The app's Google, Gmail and LinkedIn base URLs all point at the fake provider."""
    return fake_provider.url


@pytest.fixture(scope="session")
def settings(database_url, provider_base_url, tmp_path_factory):
    return {
        "sqlalchemy.url": database_url,
        "jobhax.env": "testing",
        "jobhax.secret_key": TEST_SECRET_KEY,
        "jobhax.cors_origins": "https://app.jobhax.test",
        "jobhax.google_api_base": provider_base_url,
        "jobhax.linkedin_api_base": provider_base_url,
        "jobhax.linkedin_web_base": provider_base_url,
        # Our apps at the fake providers: every social test runs the audience check.
        "jobhax.google_client_ids": ", ".join(GOOGLE_CLIENT_IDS),
        "jobhax.linkedin_client_id": LINKEDIN_CLIENT_ID,
        "jobhax.linkedin_client_secret": LINKEDIN_CLIENT_SECRET,
        "jobhax.var_dir": str(tmp_path_factory.mktemp("var")),
    }


@pytest.fixture(scope="session")
def app(settings):
    return main({}, **settings)


def _mode_settings(settings, app, mode):
    """``settings`` for one ``jobhax.legacy_http_status`` mode, on the session app's engine (statement
    counters and fault injection see every request)."""
    return dict(
        settings, **{"jobhax.engine": app.registry["engine"], "jobhax.legacy_http_status": mode == LEGACY}
    )


@pytest.fixture(scope="session")
def apps(settings, app):
    """The app in each HTTP status mode: the contract's statuses, and the 2019 backend's (all 200 but 401)."""
    return {STANDARD: app, LEGACY: main({}, **_mode_settings(settings, app, LEGACY))}


@pytest.fixture(scope="session")
def failing_apps(settings, app):
    """The app plus GET /api/test/explode, whose view raises an unexpected error, in each mode."""

    def explode(request):
        raise RuntimeError("secret detail that must not leak")

    built = {}
    for mode in HTTP_STATUS_MODES:
        config = configure(_mode_settings(settings, app, mode))
        config.add_route("explode", "/api/test/explode")
        config.add_view(explode, route_name="explode", permission=PUBLIC)
        built[mode] = config.make_wsgi_app()
    return built


@pytest.fixture
def http_status_mode():
    """The contract's statuses; tests that assert error codes run in both modes (pytest_generate_tests)."""
    return STANDARD


def pytest_generate_tests(metafunc):
    if "http_status_mode" in metafunc.fixturenames and asserts_error_codes(metafunc.function):
        metafunc.parametrize("http_status_mode", HTTP_STATUS_MODES)


@pytest.fixture
def failing_app(failing_apps, http_status_mode):
    return test_app(failing_apps[http_status_mode], http_status_mode)


@pytest.fixture(scope="session")
def engine(app):
    return app.registry["engine"]


@pytest.fixture(scope="session")
def truncatable_tables(engine):
    with engine.connect() as connection:
        names = (
            connection.execute(
                text("SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public'")
            )
            .scalars()
            .all()
        )
    return [name for name in names if name not in KEPT_TABLES]


@pytest.fixture
def clean_database(engine, truncatable_tables):
    yield
    with engine.begin() as connection:
        # Custom statuses belong to users, so the cascade empties application_statuses: the shared five
        # are put back as revision 0001 seeded them.
        connection.execute(text(f"TRUNCATE {', '.join(truncatable_tables)} RESTART IDENTITY CASCADE"))
        connection.execute(
            text(
                "INSERT INTO application_statuses (id, value, position) "
                "SELECT n, v, n FROM unnest(CAST(:values AS text[])) WITH ORDINALITY AS s(v, n) "
                "ON CONFLICT DO NOTHING"
            ),
            {"values": list(SHARED_STATUSES)},
        )


@pytest.fixture
def db(app, clean_database):
    """A plain session for arranging and checking data; it commits on its own."""
    session = app.registry["dbsession_factory"]()
    yield session
    session.close()


@pytest.fixture
def testapp(apps, http_status_mode, clean_database):
    return test_app(apps[http_status_mode], http_status_mode, extra_environ={"REMOTE_ADDR": "127.0.0.1"})


@pytest.fixture
def factories(db, settings):
    return Factories(db, settings)


@pytest.fixture
def api(testapp, factories):
    """A registered user with a valid access token, talking to the app."""
    user = factories.user()
    return ApiClient(testapp, user, factories.access_token(user))


@pytest.fixture
def other_api(testapp, factories):
    user = factories.user()
    return ApiClient(testapp, user, factories.access_token(user))


@pytest.fixture
def oauth_client(factories):
    return factories.oauth_client()


@pytest.fixture
def count_statements(engine):
    def counter():
        return StatementCounter(engine)

    return counter


@pytest.fixture
def start_worker(settings, clean_database):
    """Start real `jobhax worker` processes; each is stopped (SIGTERM) at the end of the test."""
    from tests.workers import WorkerProcess

    started = []

    def start(**options):
        worker = WorkerProcess(settings, **options)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture(scope="session")
def request_statements():
    """Every statement sent on any engine while WebTest serves a request, whichever app or test built it."""
    recorder = RequestStatements()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(webtest.TestApp, "do_request", recorder.serve(webtest.TestApp.do_request))
        event.listen(Engine, "before_cursor_execute", recorder.record)
        try:
            yield recorder
        finally:
            event.remove(Engine, "before_cursor_execute", recorder.record)


@pytest.fixture(scope="session")
def sql_scope_checker(engine):
    with engine.connect() as connection:
        return ScopeChecker(user_data_relations(connection), LOOKUPS)


@pytest.fixture(autouse=True)
def requests_keep_to_their_user(request, request_statements):
    """Fails the test (at teardown) when a request it made sent a statement that reads or writes a table of
    user data without constraining it by user_id (tests/sql_scope.py, README "Scaling out")."""
    uses_database = "database_url" in request.fixturenames
    checker = request.getfixturevalue("sql_scope_checker") if uses_database else None
    request_statements.statements = {}
    yield
    statements = list(request_statements.statements)
    if not statements:
        return
    assert checker is not None, "requests sent SQL in a test without the database_url fixture"
    violations = [str(found) for statement in statements for found in checker.violations(statement)]
    assert not violations, "\n\n".join(violations)
