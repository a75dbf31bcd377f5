-- Metric counters, version 1: what /api/metrics/* read instead of aggregating the caller's applications.
--
-- Never edit this file once committed; see 0001_reporting_views.sql.
--
-- Why: grouping a 10,000-application user's rows on every request costs 5-50 ms of database time per
-- metric (the monthly buckets evaluate a time-zone conversion per row), which caps those endpoints far
-- below their targets. Here each write records how it changes the counts, so a read sums a handful of rows.
--
-- Why partial counts, not one row per (user, key) updated in place: a counter row updated in place is
-- locked until the writing transaction commits, so concurrent writes of one user (an import, a client
-- retrying) would queue behind each other's commit. Writers only INSERT signed partial counts (no row is
-- ever locked); readers sum them; metrics.compact_counts() (run with the periodic report refresh) folds
-- each key's partial rows into one. The sums are exact at every moment: a write's rows commit with it
-- (read-your-writes), and compaction deletes and re-inserts the same total in one transaction.
--
-- Schema metrics is internal to the service: the jobhax_reporting role has no grant on it; BI tools keep
-- reading the views of schema reporting, which these counters must always agree with.

CREATE SCHEMA metrics;
COMMENT ON SCHEMA metrics IS
    'JobHax metric counters: per-user partial counts of live applications, maintained by triggers on job_applications; internal to the service.';

-- Keys mirror the reporting views exactly: month and source bucket as in reporting.job_applications,
-- applications without a status left out of the status counts as in reporting.status_counts.
CREATE TABLE metrics.monthly_source_counts (
    user_id integer NOT NULL,
    month date NOT NULL,
    source_bucket text NOT NULL,
    count bigint NOT NULL
);
CREATE INDEX ix_metrics_monthly_source_counts ON metrics.monthly_source_counts (user_id, month);
COMMENT ON TABLE metrics.monthly_source_counts IS
    'Partial counts of live applications per user, UTC month and source bucket; the sum per key is the count.';

CREATE TABLE metrics.status_counts (
    user_id integer NOT NULL,
    status_id smallint NOT NULL,
    count bigint NOT NULL
);
CREATE INDEX ix_metrics_status_counts ON metrics.status_counts (user_id);
COMMENT ON TABLE metrics.status_counts IS
    'Partial counts of live applications per user and current status; the sum per key is the count.';

CREATE TABLE metrics.title_status_counts (
    user_id integer NOT NULL,
    job_title text NOT NULL,
    status_id smallint NOT NULL,
    count bigint NOT NULL
);
CREATE INDEX ix_metrics_title_status_counts ON metrics.title_status_counts (user_id);
COMMENT ON TABLE metrics.title_status_counts IS
    'Partial counts of live applications per user, job title and current status; the sum per key is the count.';

CREATE TABLE metrics.company_counts (
    user_id integer NOT NULL,
    company text NOT NULL,
    count bigint NOT NULL
);
CREATE INDEX ix_metrics_company_counts ON metrics.company_counts (user_id);
COMMENT ON TABLE metrics.company_counts IS
    'Partial counts of live applications per user and company; the sum per key is the count.';

-- One row of a change: an application as it was (sign -1) or as it is now (sign +1).
CREATE TYPE metrics.jobapp_change AS (
    user_id integer,
    job_title text,
    company text,
    source text,
    status_id smallint,
    apply_date timestamptz,
    sign integer
);

-- The one place that turns changed applications into counts. Rows whose changes cancel out (an update of
-- is_rejected only, say) write nothing.
CREATE FUNCTION metrics.record_changes(changes metrics.jobapp_change[]) RETURNS void
    LANGUAGE sql
    AS $$
    INSERT INTO metrics.monthly_source_counts (user_id, month, source_bucket, count)
    SELECT user_id, date_trunc('month', apply_date AT TIME ZONE 'UTC')::date, reporting.source_bucket(source),
           sum(sign)
    FROM unnest(changes)
    GROUP BY 1, 2, 3 HAVING sum(sign) <> 0;

    INSERT INTO metrics.status_counts (user_id, status_id, count)
    SELECT user_id, status_id, sum(sign)
    FROM unnest(changes) WHERE status_id IS NOT NULL
    GROUP BY 1, 2 HAVING sum(sign) <> 0;

    INSERT INTO metrics.title_status_counts (user_id, job_title, status_id, count)
    SELECT user_id, job_title, status_id, sum(sign)
    FROM unnest(changes) WHERE status_id IS NOT NULL
    GROUP BY 1, 2, 3 HAVING sum(sign) <> 0;

    INSERT INTO metrics.company_counts (user_id, company, count)
    SELECT user_id, company, sum(sign)
    FROM unnest(changes)
    GROUP BY 1, 2 HAVING sum(sign) <> 0;
    $$;

-- Statement-level with transition tables: one call per statement, so a bulk COPY of 200,000 rows costs
-- one aggregation, not 200,000 trigger calls. Only live rows count (deleted_at IS NULL): a soft delete is
-- an update whose old row counts -1 and new row nothing.
CREATE FUNCTION metrics.job_applications_changed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM metrics.record_changes(ARRAY(
            SELECT (user_id, job_title, company, source, status_id, apply_date, 1)::metrics.jobapp_change
            FROM new_rows WHERE deleted_at IS NULL));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM metrics.record_changes(ARRAY(
            SELECT (user_id, job_title, company, source, status_id, apply_date, -1)::metrics.jobapp_change
            FROM old_rows WHERE deleted_at IS NULL
            UNION ALL
            SELECT (user_id, job_title, company, source, status_id, apply_date, 1)::metrics.jobapp_change
            FROM new_rows WHERE deleted_at IS NULL));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM metrics.record_changes(ARRAY(
            SELECT (user_id, job_title, company, source, status_id, apply_date, -1)::metrics.jobapp_change
            FROM old_rows WHERE deleted_at IS NULL));
    ELSE
        -- TRUNCATE: nothing is left to count.
        TRUNCATE metrics.monthly_source_counts, metrics.status_counts, metrics.title_status_counts,
            metrics.company_counts;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER metrics_counts_insert AFTER INSERT ON public.job_applications
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics.job_applications_changed();
CREATE TRIGGER metrics_counts_update AFTER UPDATE ON public.job_applications
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION metrics.job_applications_changed();
CREATE TRIGGER metrics_counts_delete AFTER DELETE ON public.job_applications
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics.job_applications_changed();
CREATE TRIGGER metrics_counts_truncate AFTER TRUNCATE ON public.job_applications
    FOR EACH STATEMENT EXECUTE FUNCTION metrics.job_applications_changed();

-- Folds every key that has several partial rows into one row (none when its sum is 0). Safe beside
-- writers and other compactions: DELETE ... RETURNING hands back exactly the rows this transaction
-- removed (rows another compaction removed first are skipped, rows inserted meanwhile are not seen), and
-- their sum goes back in the same transaction.
CREATE FUNCTION metrics.compact_counts() RETURNS void
    LANGUAGE sql
    AS $$
    WITH folded AS (
        DELETE FROM metrics.monthly_source_counts c
        USING (SELECT user_id, month, source_bucket FROM metrics.monthly_source_counts
               GROUP BY 1, 2, 3 HAVING count(*) > 1 OR sum(count) = 0) k
        WHERE (c.user_id, c.month, c.source_bucket) = (k.user_id, k.month, k.source_bucket)
        RETURNING c.*)
    INSERT INTO metrics.monthly_source_counts
    SELECT user_id, month, source_bucket, sum(count) FROM folded GROUP BY 1, 2, 3 HAVING sum(count) <> 0;

    WITH folded AS (
        DELETE FROM metrics.status_counts c
        USING (SELECT user_id, status_id FROM metrics.status_counts
               GROUP BY 1, 2 HAVING count(*) > 1 OR sum(count) = 0) k
        WHERE (c.user_id, c.status_id) = (k.user_id, k.status_id)
        RETURNING c.*)
    INSERT INTO metrics.status_counts
    SELECT user_id, status_id, sum(count) FROM folded GROUP BY 1, 2 HAVING sum(count) <> 0;

    WITH folded AS (
        DELETE FROM metrics.title_status_counts c
        USING (SELECT user_id, job_title, status_id FROM metrics.title_status_counts
               GROUP BY 1, 2, 3 HAVING count(*) > 1 OR sum(count) = 0) k
        WHERE (c.user_id, c.job_title, c.status_id) = (k.user_id, k.job_title, k.status_id)
        RETURNING c.*)
    INSERT INTO metrics.title_status_counts
    SELECT user_id, job_title, status_id, sum(count) FROM folded GROUP BY 1, 2, 3 HAVING sum(count) <> 0;

    WITH folded AS (
        DELETE FROM metrics.company_counts c
        USING (SELECT user_id, company FROM metrics.company_counts
               GROUP BY 1, 2 HAVING count(*) > 1 OR sum(count) = 0) k
        WHERE (c.user_id, c.company) = (k.user_id, k.company)
        RETURNING c.*)
    INSERT INTO metrics.company_counts
    SELECT user_id, company, sum(count) FROM folded GROUP BY 1, 2 HAVING sum(count) <> 0;
    $$;
COMMENT ON FUNCTION metrics.compact_counts() IS
    'Folds each key''s partial counts into one row; sums are unchanged. Run periodically (jobhax refresh-reports).';

-- The applications that exist already. The triggers above are in place and hold their lock on
-- job_applications until this migration commits, so no write falls between the two.
SELECT metrics.record_changes(ARRAY(
    SELECT (user_id, job_title, company, source, status_id, apply_date, 1)::metrics.jobapp_change
    FROM public.job_applications WHERE deleted_at IS NULL));
