-- Insights, version 1: the funnel, responses and weekly activity of /api/metrics/get_funnel,
-- get_response_stats and get_weekly_activity, and the reporting views BI tools read them from.
--
-- Never edit this file once committed; see 0001_reporting_views.sql.
--
-- The rules, in one place (README "Insights" says the same to users):
-- * Stages are the shared statuses Applied (1), Phone Screen (3), Onsite Interview (4), Offer (5), in that
--   order, which is their id order. reporting.funnel_stage maps any status to the stage it stands for: 3, 4
--   and 5 to themselves, everything else (Applied, To Apply, custom statuses, none) to Applied, since every
--   live application reaches Applied.
-- * An application's furthest stage is the furthest stage of its current status and of every status in its
--   history. It has reached every stage up to that one (created at Onsite Interview by an import: it reached
--   Applied, Phone Screen and Onsite Interview).
-- * A rejected application was rejected at its furthest stage: statuses only move forward towards an
--   offer, and a rejection ends the process; so rejected_here counts rejected applications whose furthest
--   stage is that one, and the rejected_here column sums to the rejected applications.
-- * Its first response is the earliest of: its first history row at a status other than Applied and To
--   Apply (a change from Applied, or its creation at a later status), and, when rejected, the time the
--   rejection was recorded (job_applications.rejection_changed_at). Days to response are whole UTC calendar
--   days from applyDate's day to the response's day, never below 0 (a date edited after the response).
--
-- Why counters: grouping a 10,000-application user's history on every request costs far more than the
-- metric endpoints may (see 0003_metric_counts.sql). So each write keeps, in its own transaction:
-- * metrics.jobapp_insights: one row per live application with what the rules above derive from it
--   (metrics.jobapp_facts, recomputed for the applications a statement touched);
-- * partial counts derived from those rows (signed, folded by metrics.compact_insight_counts() like
--   metrics.compact_counts()): per stage, per source bucket and days to response (a histogram, from which
--   the median is exact), per ISO week. A read sums a few hundred rows at most.
-- Requests with from/to aggregate metrics.jobapp_insights over the days asked for instead
-- (index on user_id, apply_date).

-- When is_rejected changes and the writer did not say when, the change happened now (an import creating
-- a rejected application, a bulk fix in SQL); update_jobapp and the mail import date it themselves.
CREATE FUNCTION metrics.date_rejection() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.is_rejected AND NEW.rejection_changed_at IS NULL THEN
            NEW.rejection_changed_at := now();
        END IF;
    ELSIF NEW.is_rejected IS DISTINCT FROM OLD.is_rejected
          AND NEW.rejection_changed_at IS NOT DISTINCT FROM OLD.rejection_changed_at THEN
        NEW.rejection_changed_at := now();
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER insights_date_rejection BEFORE INSERT OR UPDATE OF is_rejected ON public.job_applications
    FOR EACH ROW EXECUTE FUNCTION metrics.date_rejection();

-- Rejections recorded before this version carry no time: the application's last status change, else its
-- apply date, is the best the data knows.
UPDATE public.job_applications j
SET rejection_changed_at = coalesce(
    (SELECT max(h.changed_at) FROM public.status_history h WHERE h.jobapp_id = j.id), j.apply_date)
WHERE j.is_rejected AND j.rejection_changed_at IS NULL;

CREATE FUNCTION reporting.funnel_stage(status_id integer) RETURNS smallint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT (CASE WHEN status_id IN (3, 4, 5) THEN status_id ELSE 1 END)::smallint
    $$;
COMMENT ON FUNCTION reporting.funnel_stage(integer) IS
    'The funnel stage a status stands for, as a status id: Phone Screen (3), Onsite Interview (4) and Offer (5) themselves; Applied (1) for every other status (To Apply, custom statuses, none).';

-- What the rules derive from one live application, from the tables themselves: the reporting views read it,
-- and metrics.refresh_insights stores it.
CREATE VIEW metrics.jobapp_facts AS
SELECT j.id AS jobapp_id,
       j.user_id,
       j.apply_date,
       reporting.source_bucket(j.source) AS source_bucket,
       greatest(reporting.funnel_stage(j.status_id), h.furthest_stage)::smallint AS furthest_stage,
       j.is_rejected,
       least(h.first_change_at, CASE WHEN j.is_rejected THEN j.rejection_changed_at END) AS first_response_at
FROM public.job_applications j
LEFT JOIN LATERAL (
    SELECT max(reporting.funnel_stage(s.status_id)) AS furthest_stage,
           min(s.changed_at) FILTER (WHERE s.status_id NOT IN (1, 2)) AS first_change_at
    FROM public.status_history s
    WHERE s.jobapp_id = j.id) h ON true
WHERE j.deleted_at IS NULL;
COMMENT ON VIEW metrics.jobapp_facts IS
    'Per live application: apply date, source bucket, furthest funnel stage, rejection and first response, derived from job_applications and status_history.';

CREATE TABLE metrics.jobapp_insights (
    jobapp_id integer PRIMARY KEY,
    user_id integer NOT NULL,
    apply_date timestamptz NOT NULL,
    source_bucket text NOT NULL,
    furthest_stage smallint NOT NULL,
    is_rejected boolean NOT NULL,
    first_response_at timestamptz
);
CREATE INDEX ix_metrics_jobapp_insights_user_date ON metrics.jobapp_insights (user_id, apply_date);
COMMENT ON TABLE metrics.jobapp_insights IS
    'metrics.jobapp_facts stored: one row per live application, kept by triggers in the writer''s transaction.';

CREATE TABLE metrics.funnel_counts (
    user_id integer NOT NULL,
    stage smallint NOT NULL,
    reached bigint NOT NULL,
    rejected_here bigint NOT NULL
);
CREATE INDEX ix_metrics_funnel_counts ON metrics.funnel_counts (user_id);
COMMENT ON TABLE metrics.funnel_counts IS
    'Partial counts of live applications per user and funnel stage (reached, rejected there); the sum per key is the count.';

CREATE TABLE metrics.response_counts (
    user_id integer NOT NULL,
    source_bucket text NOT NULL,
    days integer,
    count bigint NOT NULL
);
CREATE INDEX ix_metrics_response_counts ON metrics.response_counts (user_id);
COMMENT ON TABLE metrics.response_counts IS
    'Partial counts of live applications per user, source bucket and whole days to first response (null: none yet); the sum per key is the count.';

CREATE TABLE metrics.weekly_counts (
    user_id integer NOT NULL,
    week date NOT NULL,
    applied bigint NOT NULL,
    responses bigint NOT NULL
);
CREATE INDEX ix_metrics_weekly_counts ON metrics.weekly_counts (user_id, week);
COMMENT ON TABLE metrics.weekly_counts IS
    'Partial counts per user and ISO week (its Monday, UTC): applications applied, first responses; the sum per key is the count.';

CREATE TYPE metrics.insight_change AS (
    user_id integer,
    apply_date timestamptz,
    source_bucket text,
    furthest_stage smallint,
    is_rejected boolean,
    first_response_at timestamptz,
    sign integer
);

CREATE FUNCTION metrics.response_days(apply_date timestamptz, first_response_at timestamptz) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    -- greatest() skips nulls: no response must stay null, not become 0 days.
    SELECT CASE WHEN first_response_at IS NOT NULL
                THEN greatest(0, (first_response_at AT TIME ZONE 'UTC')::date - (apply_date AT TIME ZONE 'UTC')::date)
           END
    $$;

CREATE FUNCTION metrics.iso_week(at timestamptz) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT date_trunc('week', at AT TIME ZONE 'UTC')::date
    $$;

-- The one place that turns changed insight rows into counts; changes that cancel out write nothing.
CREATE FUNCTION metrics.record_insight_changes(changes metrics.insight_change[]) RETURNS void
    LANGUAGE sql
    AS $$
    INSERT INTO metrics.funnel_counts (user_id, stage, reached, rejected_here)
    SELECT c.user_id, s.stage, sum(c.sign),
           coalesce(sum(c.sign) FILTER (WHERE c.is_rejected AND c.furthest_stage = s.stage), 0)
    FROM unnest(changes) c
    JOIN (VALUES (1::smallint), (3::smallint), (4::smallint), (5::smallint)) s(stage) ON s.stage <= c.furthest_stage
    GROUP BY 1, 2
    HAVING sum(c.sign) <> 0 OR coalesce(sum(c.sign) FILTER (WHERE c.is_rejected AND c.furthest_stage = s.stage), 0) <> 0;

    INSERT INTO metrics.response_counts (user_id, source_bucket, days, count)
    SELECT user_id, source_bucket, metrics.response_days(apply_date, first_response_at), sum(sign)
    FROM unnest(changes)
    GROUP BY 1, 2, 3 HAVING sum(sign) <> 0;

    INSERT INTO metrics.weekly_counts (user_id, week, applied, responses)
    SELECT user_id, week, sum(applied), sum(responses)
    FROM (SELECT user_id, metrics.iso_week(apply_date) AS week, sign AS applied, 0 AS responses
          FROM unnest(changes)
          UNION ALL
          SELECT user_id, metrics.iso_week(first_response_at), 0, sign
          FROM unnest(changes) WHERE first_response_at IS NOT NULL) w
    GROUP BY 1, 2 HAVING sum(applied) <> 0 OR sum(responses) <> 0;
    $$;

-- Recomputes the stored facts of these applications and records the difference. Concurrent refreshes of one
-- application queue on its stored row (FOR UPDATE, then an upsert that updates it in place), so the second
-- one starts from what the first committed and every change is counted once. A row is first created by the
-- transaction that creates the application, which nobody else sees before it commits.
CREATE FUNCTION metrics.refresh_insights(ids integer[]) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    removed metrics.insight_change[];
    added metrics.insight_change[];
BEGIN
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    SELECT array_agg((user_id, apply_date, source_bucket, furthest_stage, is_rejected, first_response_at, -1)
                     ::metrics.insight_change)
    INTO removed
    FROM (SELECT * FROM metrics.jobapp_insights WHERE jobapp_id = ANY(ids) ORDER BY jobapp_id FOR UPDATE) old;
    DELETE FROM metrics.jobapp_insights i
    WHERE i.jobapp_id = ANY(ids) AND NOT EXISTS (SELECT 1 FROM metrics.jobapp_facts f WHERE f.jobapp_id = i.jobapp_id);
    WITH upserted AS (
        INSERT INTO metrics.jobapp_insights AS i
        SELECT jobapp_id, user_id, apply_date, source_bucket, furthest_stage, is_rejected, first_response_at
        FROM metrics.jobapp_facts WHERE jobapp_id = ANY(ids)
        ON CONFLICT (jobapp_id) DO UPDATE
        SET user_id = excluded.user_id, apply_date = excluded.apply_date, source_bucket = excluded.source_bucket,
            furthest_stage = excluded.furthest_stage, is_rejected = excluded.is_rejected,
            first_response_at = excluded.first_response_at
        RETURNING i.*)
    SELECT array_agg((user_id, apply_date, source_bucket, furthest_stage, is_rejected, first_response_at, 1)
                     ::metrics.insight_change)
    INTO added FROM upserted;
    PERFORM metrics.record_insight_changes(coalesce(removed, '{}') || coalesce(added, '{}'));
END
$$;

-- Statement-level, like the metric counters: one refresh per statement whatever its size.
CREATE FUNCTION metrics.jobapps_changed_insights() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM metrics.refresh_insights(ARRAY(SELECT id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM metrics.refresh_insights(ARRAY(SELECT id FROM new_rows UNION SELECT id FROM old_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM metrics.refresh_insights(ARRAY(SELECT id FROM old_rows));
    ELSE
        TRUNCATE metrics.jobapp_insights, metrics.funnel_counts, metrics.response_counts, metrics.weekly_counts;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION metrics.history_changed_insights() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM metrics.refresh_insights(ARRAY(SELECT DISTINCT jobapp_id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM metrics.refresh_insights(ARRAY(SELECT jobapp_id FROM new_rows UNION SELECT jobapp_id FROM old_rows));
    ELSE
        PERFORM metrics.refresh_insights(ARRAY(SELECT DISTINCT jobapp_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER insights_insert AFTER INSERT ON public.job_applications
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics.jobapps_changed_insights();
CREATE TRIGGER insights_update AFTER UPDATE ON public.job_applications
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION metrics.jobapps_changed_insights();
CREATE TRIGGER insights_delete AFTER DELETE ON public.job_applications
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics.jobapps_changed_insights();
CREATE TRIGGER insights_truncate AFTER TRUNCATE ON public.job_applications
    FOR EACH STATEMENT EXECUTE FUNCTION metrics.jobapps_changed_insights();
CREATE TRIGGER insights_history_insert AFTER INSERT ON public.status_history
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics.history_changed_insights();
CREATE TRIGGER insights_history_update AFTER UPDATE ON public.status_history
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION metrics.history_changed_insights();
CREATE TRIGGER insights_history_delete AFTER DELETE ON public.status_history
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics.history_changed_insights();

CREATE FUNCTION metrics.compact_insight_counts() RETURNS void
    LANGUAGE sql
    AS $$
    WITH folded AS (
        DELETE FROM metrics.funnel_counts c
        USING (SELECT user_id, stage FROM metrics.funnel_counts
               GROUP BY 1, 2 HAVING count(*) > 1 OR (sum(reached) = 0 AND sum(rejected_here) = 0)) k
        WHERE (c.user_id, c.stage) = (k.user_id, k.stage)
        RETURNING c.*)
    INSERT INTO metrics.funnel_counts
    SELECT user_id, stage, sum(reached), sum(rejected_here) FROM folded GROUP BY 1, 2
    HAVING sum(reached) <> 0 OR sum(rejected_here) <> 0;

    WITH folded AS (
        DELETE FROM metrics.response_counts c
        USING (SELECT user_id, source_bucket, days FROM metrics.response_counts
               GROUP BY 1, 2, 3 HAVING count(*) > 1 OR sum(count) = 0) k
        WHERE (c.user_id, c.source_bucket) = (k.user_id, k.source_bucket) AND c.days IS NOT DISTINCT FROM k.days
        RETURNING c.*)
    INSERT INTO metrics.response_counts
    SELECT user_id, source_bucket, days, sum(count) FROM folded GROUP BY 1, 2, 3 HAVING sum(count) <> 0;

    WITH folded AS (
        DELETE FROM metrics.weekly_counts c
        USING (SELECT user_id, week FROM metrics.weekly_counts
               GROUP BY 1, 2 HAVING count(*) > 1 OR (sum(applied) = 0 AND sum(responses) = 0)) k
        WHERE (c.user_id, c.week) = (k.user_id, k.week)
        RETURNING c.*)
    INSERT INTO metrics.weekly_counts
    SELECT user_id, week, sum(applied), sum(responses) FROM folded GROUP BY 1, 2
    HAVING sum(applied) <> 0 OR sum(responses) <> 0;
    $$;
COMMENT ON FUNCTION metrics.compact_insight_counts() IS
    'Folds each key''s partial insight counts into one row; sums are unchanged. Run with metrics.compact_counts().';

-- The applications that exist already; the triggers above hold their locks until this migration commits.
SELECT metrics.refresh_insights(ARRAY(SELECT id FROM public.job_applications));

-- Reporting views: computed from the tables (metrics.jobapp_facts), never from the counters, so they are
-- an independent check of what the endpoints answer.
CREATE VIEW reporting.status_transitions AS
SELECT j.user_id,
       h.jobapp_id,
       fs.value AS from_status,
       ts.value AS to_status,
       h.changed_at,
       h.origin
FROM (SELECT s.jobapp_id, s.status_id, s.changed_at, s.origin::text AS origin,
             lag(s.status_id) OVER (PARTITION BY s.jobapp_id ORDER BY s.changed_at, s.id) AS from_status_id
      FROM public.status_history s) h
JOIN public.job_applications j ON j.id = h.jobapp_id AND j.deleted_at IS NULL
LEFT JOIN public.application_statuses fs ON fs.id = h.from_status_id
JOIN public.application_statuses ts ON ts.id = h.status_id;
COMMENT ON VIEW reporting.status_transitions IS
    'One row per status change of a live application, oldest first per application: the first row (from_status null) is where it started.';
COMMENT ON COLUMN reporting.status_transitions.user_id IS 'Owner of the application (users.id).';
COMMENT ON COLUMN reporting.status_transitions.jobapp_id IS 'The application''s id, as in the REST API.';
COMMENT ON COLUMN reporting.status_transitions.from_status IS
    'The status before the change (its current name); null for the application''s first status.';
COMMENT ON COLUMN reporting.status_transitions.to_status IS 'The status after the change (its current name).';
COMMENT ON COLUMN reporting.status_transitions.changed_at IS 'When the change happened (timestamptz; UTC in the API).';
COMMENT ON COLUMN reporting.status_transitions.origin IS
    'Where the change came from: user (by hand), email (a message from the employer) or import (created by an import).';

CREATE VIEW reporting.funnel AS
SELECT f.user_id,
       s.id AS status_id,
       s.value AS status,
       count(*) FILTER (WHERE f.furthest_stage >= s.id) AS reached,
       count(*) FILTER (WHERE f.is_rejected AND f.furthest_stage = s.id) AS rejected_here
FROM metrics.jobapp_facts f
CROSS JOIN public.application_statuses s
WHERE s.id IN (1, 3, 4, 5)
GROUP BY f.user_id, s.id, s.value;
COMMENT ON VIEW reporting.funnel IS
    'Per user with live applications, the four funnel stages Applied, Phone Screen, Onsite Interview, Offer: how many applications got that far, how many were rejected there. Custom statuses are not stages.';
COMMENT ON COLUMN reporting.funnel.user_id IS 'Owner of the applications (users.id).';
COMMENT ON COLUMN reporting.funnel.status_id IS 'The stage''s status id: 1, 3, 4 or 5.';
COMMENT ON COLUMN reporting.funnel.status IS 'The stage''s name: Applied, Phone Screen, Onsite Interview or Offer.';
COMMENT ON COLUMN reporting.funnel.reached IS
    'Live applications whose current status or history got to this stage or a later one (every one reaches Applied).';
COMMENT ON COLUMN reporting.funnel.rejected_here IS
    'Rejected live applications whose furthest stage is this one.';

CREATE VIEW reporting.response_times AS
SELECT user_id, jobapp_id, source_bucket, apply_date AS applied_at, first_response_at
FROM metrics.jobapp_facts;
COMMENT ON VIEW reporting.response_times IS
    'One row per live application: when it was applied for and when the employer first answered (null: not yet).';
COMMENT ON COLUMN reporting.response_times.user_id IS 'Owner of the application (users.id).';
COMMENT ON COLUMN reporting.response_times.jobapp_id IS 'The application''s id, as in the REST API.';
COMMENT ON COLUMN reporting.response_times.source_bucket IS
    'Hired.com, LinkedIn, Indeed, Vettery or Others: see reporting.source_bucket(text).';
COMMENT ON COLUMN reporting.response_times.applied_at IS 'The application''s applyDate (timestamptz).';
COMMENT ON COLUMN reporting.response_times.first_response_at IS
    'The first status change past Applied and To Apply (or the creation at such a status), or the rejection if earlier; null when neither happened.';

GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO jobhax_reporting;

-- erase_user (0005_account_erasure.sql) also deletes the insight counters: the cascade's triggers add
-- negative partial counts keyed by the user's id, as they do to the metric counters. Version 1 keeps doing
-- the rest under another name.
ALTER FUNCTION public.erase_user(integer) RENAME TO erase_user_v1;
COMMENT ON FUNCTION public.erase_user_v1(integer) IS 'erase_user of 0005_account_erasure.sql: called by erase_user.';
CREATE FUNCTION public.erase_user(target integer) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    counters text;
BEGIN
    IF NOT public.erase_user_v1(target) THEN
        RETURN false;
    END IF;
    FOREACH counters IN ARRAY ARRAY['jobapp_insights', 'funnel_counts', 'response_counts', 'weekly_counts'] LOOP
        EXECUTE format('DELETE FROM metrics.%I WHERE user_id = $1', counters) USING target;
    END LOOP;
    RETURN true;
END;
$$;
COMMENT ON FUNCTION public.erase_user(integer) IS
    'Erase a user and everything stored about them (jobs, metric and insight counters, failed logins included).';
