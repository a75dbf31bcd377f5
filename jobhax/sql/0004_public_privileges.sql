-- PUBLIC privileges, version 1: nobody but the roles we name creates anything where our schemas live.
--
-- Never edit this file once committed; see 0001_reporting_views.sql.
--
-- PostgreSQL grants PUBLIC (every role of the cluster, BI logins included) TEMP on each new database and,
-- before version 15, CREATE on schema public. A BI login could then fill the disk with temporary tables or
-- plant a function or table in public that the service would pick up through its search_path. Only the
-- owner (the migration role) keeps these rights; the run-time role gets what it needs by explicit grants.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE CREATE ON SCHEMA reporting FROM PUBLIC;
REVOKE CREATE ON SCHEMA metrics FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('REVOKE CREATE, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END
$$;
