-- Undo 0001_reporting_views.sql: everything it made lives in schema reporting, so dropping the schema
-- removes the views, materialized views, their indexes, the refresh log, the bucketing function and every
-- grant on them, and nothing outside it.
DROP SCHEMA reporting CASCADE;
