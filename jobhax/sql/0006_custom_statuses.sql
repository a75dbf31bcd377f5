-- Reporting views and metric counters, version 2: status ids are integers.
--
-- Never edit this file once committed; see 0001_reporting_views.sql.
--
-- Why: users add their own statuses (DESIGN "Applications beyond the spec"), up to 50 each, numbered after
-- the five shared ones. A smallint id would run out after some 650 users at that quota, so status ids
-- become integers everywhere they are stored: application_statuses.id, the two columns that refer to it,
-- and the metric counters keyed by it.
--
-- PostgreSQL cannot change the type of a column a view reads, so the views of version 1 are dropped first
-- and created again afterwards with the same definitions and comments; their status_id columns are now
-- integers. The materialized views are rebuilt with data. Custom statuses need nothing else here: an
-- application only ever points at a shared status or one of its owner's, so the views (which join the
-- status by id) already show each user's own statuses and never anyone else's.

DROP VIEW reporting.job_applications CASCADE;

ALTER TABLE public.application_statuses ALTER COLUMN id TYPE integer;
ALTER TABLE public.job_applications ALTER COLUMN status_id TYPE integer;
ALTER TABLE public.status_history ALTER COLUMN status_id TYPE integer;

ALTER TABLE metrics.status_counts ALTER COLUMN status_id TYPE integer;
ALTER TABLE metrics.title_status_counts ALTER COLUMN status_id TYPE integer;
ALTER TYPE metrics.jobapp_change ALTER ATTRIBUTE status_id TYPE integer;

-- Soft-deleted applications are filtered here, once, so no consumer can forget to. The predicate is the
-- one of the partial index ix_job_applications_user_live, which therefore serves every per-user query.
CREATE VIEW reporting.job_applications AS
SELECT ja.user_id,
       ja.id AS jobapp_id,
       ja.job_title,
       ja.company,
       ja.source,
       reporting.source_bucket(ja.source) AS source_bucket,
       ja.status_id,
       s.value AS status,
       ja.is_rejected,
       ja.apply_date AS applied_at,
       -- Months are calendar months in UTC whatever the session's TimeZone, as the contract says.
       date_trunc('month', ja.apply_date AT TIME ZONE 'UTC')::date AS applied_month
FROM public.job_applications ja
LEFT JOIN public.application_statuses s ON s.id = ja.status_id
WHERE ja.deleted_at IS NULL;
COMMENT ON VIEW reporting.job_applications IS
    'One row per live (not deleted) job application. The base of every other reporting view.';
COMMENT ON COLUMN reporting.job_applications.user_id IS 'Owner of the application (users.id).';
COMMENT ON COLUMN reporting.job_applications.jobapp_id IS 'The application''s id, as in the REST API.';
COMMENT ON COLUMN reporting.job_applications.job_title IS 'Job title exactly as entered or imported.';
COMMENT ON COLUMN reporting.job_applications.company IS 'Company name exactly as entered or imported.';
COMMENT ON COLUMN reporting.job_applications.source IS 'Free-text source as entered or imported; empty when unknown.';
COMMENT ON COLUMN reporting.job_applications.source_bucket IS
    'Hired.com, LinkedIn, Indeed, Vettery or Others: see reporting.source_bucket(text).';
COMMENT ON COLUMN reporting.job_applications.status_id IS 'Current status id (application_statuses.id): a shared status or one of the owner''s custom statuses; null when the application has none.';
COMMENT ON COLUMN reporting.job_applications.status IS 'Current status name; null when the application has none.';
COMMENT ON COLUMN reporting.job_applications.is_rejected IS 'Whether the user marked the application rejected.';
COMMENT ON COLUMN reporting.job_applications.applied_at IS 'When the user applied (timestamptz).';
COMMENT ON COLUMN reporting.job_applications.applied_month IS 'First day of the UTC calendar month of applied_at.';

CREATE VIEW reporting.status_counts AS
SELECT user_id, status_id, status, count(*) AS count
FROM reporting.job_applications
WHERE status_id IS NOT NULL
GROUP BY user_id, status_id, status;
COMMENT ON VIEW reporting.status_counts IS
    'Live applications per user and current status; statuses with no application have no row.';
COMMENT ON COLUMN reporting.status_counts.user_id IS 'Owner of the applications (users.id).';
COMMENT ON COLUMN reporting.status_counts.status_id IS 'Status id (application_statuses.id): a shared status or one of the owner''s custom statuses.';
COMMENT ON COLUMN reporting.status_counts.status IS 'Status name.';
COMMENT ON COLUMN reporting.status_counts.count IS 'Number of live applications in that status.';

CREATE VIEW reporting.title_status_counts AS
SELECT user_id, job_title, status_id, status, count(*) AS count
FROM reporting.job_applications
WHERE status_id IS NOT NULL
GROUP BY user_id, job_title, status_id, status;
COMMENT ON VIEW reporting.title_status_counts IS
    'Live applications per user, exact job title and current status; applications without a status are left out.';
COMMENT ON COLUMN reporting.title_status_counts.user_id IS 'Owner of the applications (users.id).';
COMMENT ON COLUMN reporting.title_status_counts.job_title IS 'Job title exactly as entered (not normalized).';
COMMENT ON COLUMN reporting.title_status_counts.status_id IS 'Status id (application_statuses.id): a shared status or one of the owner''s custom statuses.';
COMMENT ON COLUMN reporting.title_status_counts.status IS 'Status name.';
COMMENT ON COLUMN reporting.title_status_counts.count IS 'Number of live applications with that title in that status.';

CREATE VIEW reporting.monthly_source_counts AS
SELECT user_id, applied_month AS month, source_bucket, count(*) AS count
FROM reporting.job_applications
GROUP BY user_id, applied_month, source_bucket;
COMMENT ON VIEW reporting.monthly_source_counts IS
    'Live applications per user, UTC calendar month of application and source bucket; empty months have no row.';
COMMENT ON COLUMN reporting.monthly_source_counts.user_id IS 'Owner of the applications (users.id).';
COMMENT ON COLUMN reporting.monthly_source_counts.month IS 'First day of the UTC calendar month the applications were made in.';
COMMENT ON COLUMN reporting.monthly_source_counts.source_bucket IS 'Hired.com, LinkedIn, Indeed, Vettery or Others.';
COMMENT ON COLUMN reporting.monthly_source_counts.count IS 'Number of live applications in that month and bucket.';

CREATE VIEW reporting.company_counts AS
SELECT user_id, company, count(*) AS count
FROM reporting.job_applications
GROUP BY user_id, company;
COMMENT ON VIEW reporting.company_counts IS 'Live applications per user and exact company name.';
COMMENT ON COLUMN reporting.company_counts.user_id IS 'Owner of the applications (users.id).';
COMMENT ON COLUMN reporting.company_counts.company IS 'Company name exactly as entered (not normalized).';
COMMENT ON COLUMN reporting.company_counts.count IS 'Number of live applications to that company.';

-- Materialized copies for dashboards that scan every user. They are only as fresh as their last refresh
-- (reporting.refresh_log); the API reads the plain views, which are always current.
-- Each has a unique index on its grouping columns: REFRESH ... CONCURRENTLY requires one, and a
-- concurrent refresh never blocks readers.
CREATE MATERIALIZED VIEW reporting.mv_monthly_source_counts AS
SELECT user_id, month, source_bucket, count FROM reporting.monthly_source_counts;
CREATE UNIQUE INDEX uq_mv_monthly_source_counts
    ON reporting.mv_monthly_source_counts (user_id, month, source_bucket);
COMMENT ON MATERIALIZED VIEW reporting.mv_monthly_source_counts IS
    'Snapshot of reporting.monthly_source_counts as of the last refresh recorded in reporting.refresh_log.';
COMMENT ON COLUMN reporting.mv_monthly_source_counts.user_id IS 'Owner of the applications (users.id).';
COMMENT ON COLUMN reporting.mv_monthly_source_counts.month IS 'First day of the UTC calendar month the applications were made in.';
COMMENT ON COLUMN reporting.mv_monthly_source_counts.source_bucket IS 'Hired.com, LinkedIn, Indeed, Vettery or Others.';
COMMENT ON COLUMN reporting.mv_monthly_source_counts.count IS 'Number of live applications in that month and bucket at refresh time.';

CREATE MATERIALIZED VIEW reporting.mv_status_counts AS
SELECT user_id, status_id, status, count FROM reporting.status_counts;
CREATE UNIQUE INDEX uq_mv_status_counts ON reporting.mv_status_counts (user_id, status_id);
COMMENT ON MATERIALIZED VIEW reporting.mv_status_counts IS
    'Snapshot of reporting.status_counts as of the last refresh recorded in reporting.refresh_log.';
COMMENT ON COLUMN reporting.mv_status_counts.user_id IS 'Owner of the applications (users.id).';
COMMENT ON COLUMN reporting.mv_status_counts.status_id IS 'Status id (application_statuses.id): a shared status or one of the owner''s custom statuses.';
COMMENT ON COLUMN reporting.mv_status_counts.status IS 'Status name.';
COMMENT ON COLUMN reporting.mv_status_counts.count IS 'Number of live applications in that status at refresh time.';

CREATE MATERIALIZED VIEW reporting.mv_title_status_counts AS
SELECT user_id, job_title, status_id, status, count FROM reporting.title_status_counts;
CREATE UNIQUE INDEX uq_mv_title_status_counts
    ON reporting.mv_title_status_counts (user_id, job_title, status_id);
COMMENT ON MATERIALIZED VIEW reporting.mv_title_status_counts IS
    'Snapshot of reporting.title_status_counts as of the last refresh recorded in reporting.refresh_log.';
COMMENT ON COLUMN reporting.mv_title_status_counts.user_id IS 'Owner of the applications (users.id).';
COMMENT ON COLUMN reporting.mv_title_status_counts.job_title IS 'Job title exactly as entered (not normalized).';
COMMENT ON COLUMN reporting.mv_title_status_counts.status_id IS 'Status id (application_statuses.id): a shared status or one of the owner''s custom statuses.';
COMMENT ON COLUMN reporting.mv_title_status_counts.status IS 'Status name.';
COMMENT ON COLUMN reporting.mv_title_status_counts.count IS 'Number of live applications with that title in that status at refresh time.';

-- The role's privileges were on the dropped relations; these are new ones.
GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO jobhax_reporting;
