from sqlalchemy import text


def test_lbheartbeat_answers_without_dependencies(testapp):
    response = testapp.get("/__lbheartbeat__")
    assert response.status_int == 200 and response.json == {}


def test_heartbeat_reports_database_and_migrations(testapp):
    response = testapp.get("/__heartbeat__")
    assert response.status_int == 200
    assert response.json == {"database": True, "migrations": True}


def test_heartbeat_fails_when_migrations_are_behind(testapp, engine):
    with engine.begin() as connection:
        current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        connection.execute(text("UPDATE alembic_version SET version_num = 'behind'"))
    try:
        response = testapp.get("/__heartbeat__", expect_errors=True)
        assert response.status_int == 503
        assert response.json == {"database": True, "migrations": False}
    finally:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})


def test_version_names_the_package_version(testapp):
    body = testapp.get("/__version__").json
    assert body["version"] == "1.0.0" and set(body) == {"version", "commit"}
