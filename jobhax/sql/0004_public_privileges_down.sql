-- Undo 0004_public_privileges.sql: PUBLIC gets TEMP on the database back, PostgreSQL's default.
--
-- CREATE on the schemas is not granted back: PostgreSQL 15 and later do not grant it either, and a
-- downgrade must never leave the database more open than a fresh one.
DO $$
BEGIN
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC', current_database());
END
$$;
