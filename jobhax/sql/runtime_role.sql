-- What the service's run-time role may do on what the migration role owns. Not versioned: `jobhax migrate`
-- applies it after every upgrade when JOBHAX_MIGRATION_DATABASE_URL is set, with the run-time role's name
-- in the setting jobhax.runtime_role. Idempotent.
--
-- Data only: read and write the application's tables (public, metrics), read the reporting views, log
-- refreshes and refresh through reporting.refresh_materialized_view. No CREATE anywhere, no TEMP, no
-- ownership: a compromised service cannot change the schema, the roles or the BI privileges.
DO $$
DECLARE
    runtime_role text := current_setting('jobhax.runtime_role');
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), runtime_role);
    EXECUTE format('GRANT USAGE ON SCHEMA public, metrics, reporting TO %I', runtime_role);
    EXECUTE format(
        'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public, metrics TO %I', runtime_role
    );
    EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public, metrics, reporting TO %I',
                   runtime_role);
    EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public, metrics TO %I', runtime_role);
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO %I', runtime_role);
    EXECUTE format('GRANT INSERT ON reporting.refresh_log TO %I', runtime_role);
    EXECUTE format('GRANT EXECUTE ON FUNCTION reporting.refresh_materialized_view(name) TO %I', runtime_role);
END
$$;
