-- Privileges, version 1: nobody but the roles we name creates anything where our schemas live, and the
-- run-time role can refresh the reporting snapshots without owning them.
--
-- Never edit this file once committed; see 0001_reporting_views.sql.
--
-- PostgreSQL grants PUBLIC (every role of the cluster, BI logins included) TEMP on each new database and,
-- before version 15, CREATE on schema public. A BI login could then fill the disk with temporary tables or
-- plant a function or table in public that the service would pick up through its search_path. Only the
-- owner (the migration role) keeps these rights; the run-time role gets what it needs by explicit grants
-- (runtime_role.sql, applied by `jobhax migrate` when JOBHAX_MIGRATION_DATABASE_URL is set).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE CREATE ON SCHEMA reporting FROM PUBLIC;
REVOKE CREATE ON SCHEMA metrics FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('REVOKE CREATE, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END
$$;

-- Only a materialized view's owner may refresh it, and the owner is the migration role: the worker, which
-- runs as the service's role, refreshes through this function, which runs with its owner's rights. It
-- refreshes materialized views of schema reporting and nothing else; search_path is pinned so no object
-- planted elsewhere is picked up. EXECUTE is not PUBLIC's: BI logins must not trigger refreshes.
CREATE FUNCTION reporting.refresh_materialized_view(view_name name) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
$$
BEGIN
    IF NOT EXISTS (
        SELECT FROM pg_catalog.pg_matviews WHERE schemaname = 'reporting' AND matviewname = view_name
    ) THEN
        RAISE EXCEPTION 'reporting.% is not a materialized view', view_name;
    END IF;
    EXECUTE format('REFRESH MATERIALIZED VIEW CONCURRENTLY reporting.%I', view_name);
END
$$;
REVOKE EXECUTE ON FUNCTION reporting.refresh_materialized_view(name) FROM PUBLIC;
COMMENT ON FUNCTION reporting.refresh_materialized_view(name) IS
    'Refreshes one materialized view of schema reporting (CONCURRENTLY) with its owner''s rights, for the JobHax worker.';
