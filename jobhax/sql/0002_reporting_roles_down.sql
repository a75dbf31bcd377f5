-- Undo 0002_reporting_roles.sql for this database only.
--
-- The jobhax_reporting role is deliberately not dropped: it is cluster-wide, other JobHax databases on the
-- same server may hold grants to it, and BI login roles are its members (dropping it would silently cut
-- their access everywhere). Revoking this database's grants leaves the role with no privilege here; an
-- operator who retires JobHax from the whole server drops it by hand.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'jobhax_reporting') THEN
        EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM jobhax_reporting', current_database());
        -- Grants on the schema and its relations disappear with it (0001_reporting_views_down.sql); the
        -- default privileges are revoked explicitly so no entry can outlive the schema.
        ALTER DEFAULT PRIVILEGES IN SCHEMA reporting REVOKE SELECT ON TABLES FROM jobhax_reporting;
    END IF;
END
$$;
