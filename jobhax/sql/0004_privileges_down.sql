-- Undo 0004_privileges.sql: the refresh function goes, PUBLIC gets TEMP on the database back
-- (PostgreSQL's default).
--
-- CREATE on the schemas is not granted back: PostgreSQL 15 and later do not grant it either, and a
-- downgrade must never leave the database more open than a fresh one.
DROP FUNCTION reporting.refresh_materialized_view(name);
DO $$
BEGIN
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC', current_database());
END
$$;
