-- Reporting access, version 1: the jobhax_reporting role reads the reporting schema and nothing else.
--
-- Never edit this file once committed; see 0001_reporting_views.sql.
--
-- Roles belong to the whole PostgreSQL cluster, not to a database, and several JobHax databases (test
-- databases, staging beside production) may share one server and migrate at the same moment. So the role
-- is created only when missing, and a concurrent creation by another database's migration
-- (duplicate_object, or unique_violation when both inserted into pg_authid at once) counts as success.
-- Its privileges, on the other hand, are granted per database, on this database's objects only.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'jobhax_reporting') THEN
        CREATE ROLE jobhax_reporting NOLOGIN;
        -- Commented only by its creator: role comments are cluster-wide too, and two databases updating
        -- the same one at once fail with "tuple concurrently updated".
        COMMENT ON ROLE jobhax_reporting IS
            'JobHax BI access: read-only on schema reporting of each JobHax database. Login roles made by jobhax create-bi-user are its members.';
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

-- PUBLIC already has CONNECT on new databases; granting it explicitly keeps BI access working where an
-- operator revoked CONNECT from PUBLIC.
DO $$
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO jobhax_reporting', current_database());
END
$$;

-- Nothing in schema public is granted: the application's tables (users, oauth_tokens, social_accounts,
-- mails...) keep PostgreSQL's owner-only default, so members of this role are denied on them. The
-- reporting views run with their owner's rights, which is how they read job_applications for BI users.
GRANT USAGE ON SCHEMA reporting TO jobhax_reporting;
GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO jobhax_reporting;
-- Later reporting relations created by the migrating role are readable without another grant.
ALTER DEFAULT PRIVILEGES IN SCHEMA reporting GRANT SELECT ON TABLES TO jobhax_reporting;
