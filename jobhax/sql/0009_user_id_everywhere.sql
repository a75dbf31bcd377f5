-- user_id everywhere, version 1: every table of user data carries its owner and is keyed by it.
--
-- Never edit this file once committed; see 0001_reporting_views.sql.
--
-- Why: a distributed PostgreSQL (Citus, README "Scaling out") places each user's rows on one node by
-- hashing user_id, and routes a query to that node only when it filters by user_id. That needs the column
-- on every table of user data, and primary, unique and foreign keys between such tables that include it:
-- a node can only check the keys of the rows it holds. So:
-- * status_history, notes and job_postings, which named their owner only through their application, get
--   user_id, copied from it;
-- * the primary keys of the tables of user data become (user_id, id), and every foreign key to an
--   application (user_id, jobapp_id) -> job_applications (user_id, id);
-- * indexes lead with user_id where queries look rows up by their application.
-- Ids stay unique on their own (sequences), so the API's ids do not change. The service's queries filter
-- by user_id everywhere (tests/sql_scope.py holds them to it).

-- Backfilling status_history.user_id changes no fact the insight counters derive from: their trigger
-- would only recompute every application for nothing.
ALTER TABLE public.status_history DISABLE TRIGGER insights_history_update;

ALTER TABLE public.status_history ADD COLUMN user_id integer;
UPDATE public.status_history h SET user_id = j.user_id FROM public.job_applications j WHERE j.id = h.jobapp_id;
ALTER TABLE public.status_history ALTER COLUMN user_id SET NOT NULL;

ALTER TABLE public.status_history ENABLE TRIGGER insights_history_update;

ALTER TABLE public.notes ADD COLUMN user_id integer;
UPDATE public.notes n SET user_id = j.user_id FROM public.job_applications j WHERE j.id = n.jobapp_id;
ALTER TABLE public.notes ALTER COLUMN user_id SET NOT NULL;

ALTER TABLE public.job_postings ADD COLUMN user_id integer;
UPDATE public.job_postings p SET user_id = j.user_id FROM public.job_applications j WHERE j.id = p.jobapp_id;
ALTER TABLE public.job_postings ALTER COLUMN user_id SET NOT NULL;

-- The foreign keys to job_applications (id) go first: its primary key changes under them.
ALTER TABLE public.status_history DROP CONSTRAINT fk_status_history_jobapp_id_job_applications;
ALTER TABLE public.notes DROP CONSTRAINT fk_notes_jobapp_id_job_applications;
ALTER TABLE public.job_postings DROP CONSTRAINT fk_job_postings_jobapp_id_job_applications;
ALTER TABLE public.reminders DROP CONSTRAINT fk_reminders_jobapp_id_job_applications;
ALTER TABLE public.mails DROP CONSTRAINT fk_mails_jobapp_id_job_applications;

ALTER TABLE public.job_applications DROP CONSTRAINT pk_job_applications,
    ADD CONSTRAINT pk_job_applications PRIMARY KEY (user_id, id);
ALTER TABLE public.status_history DROP CONSTRAINT pk_status_history,
    ADD CONSTRAINT pk_status_history PRIMARY KEY (user_id, id);
ALTER TABLE public.notes DROP CONSTRAINT pk_notes, ADD CONSTRAINT pk_notes PRIMARY KEY (user_id, id);
ALTER TABLE public.job_postings DROP CONSTRAINT pk_job_postings,
    ADD CONSTRAINT pk_job_postings PRIMARY KEY (user_id, jobapp_id);
ALTER TABLE public.reminders DROP CONSTRAINT pk_reminders, ADD CONSTRAINT pk_reminders PRIMARY KEY (user_id, id);
ALTER TABLE public.mails DROP CONSTRAINT pk_mails, ADD CONSTRAINT pk_mails PRIMARY KEY (user_id, id);
ALTER TABLE public.oauth_tokens DROP CONSTRAINT pk_oauth_tokens,
    ADD CONSTRAINT pk_oauth_tokens PRIMARY KEY (user_id, id);
ALTER TABLE public.email_tokens DROP CONSTRAINT pk_email_tokens,
    ADD CONSTRAINT pk_email_tokens PRIMARY KEY (user_id, id);
ALTER TABLE public.social_accounts DROP CONSTRAINT pk_social_accounts,
    ADD CONSTRAINT pk_social_accounts PRIMARY KEY (user_id, id);
-- The primary key serves get_webhooks' lookups by user now.
DROP INDEX public.ix_webhooks_user_id;
ALTER TABLE public.webhooks DROP CONSTRAINT pk_webhooks, ADD CONSTRAINT pk_webhooks PRIMARY KEY (user_id, id);

ALTER TABLE public.status_history
    ADD CONSTRAINT fk_status_history_user_id_users FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE,
    ADD CONSTRAINT fk_status_history_user_id_job_applications FOREIGN KEY (user_id, jobapp_id)
        REFERENCES public.job_applications (user_id, id) ON DELETE CASCADE;
ALTER TABLE public.notes
    ADD CONSTRAINT fk_notes_user_id_users FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE,
    ADD CONSTRAINT fk_notes_user_id_job_applications FOREIGN KEY (user_id, jobapp_id)
        REFERENCES public.job_applications (user_id, id) ON DELETE CASCADE;
ALTER TABLE public.job_postings
    ADD CONSTRAINT fk_job_postings_user_id_users FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE,
    ADD CONSTRAINT fk_job_postings_user_id_job_applications FOREIGN KEY (user_id, jobapp_id)
        REFERENCES public.job_applications (user_id, id) ON DELETE CASCADE;
ALTER TABLE public.reminders ADD CONSTRAINT fk_reminders_user_id_job_applications FOREIGN KEY (user_id, jobapp_id)
    REFERENCES public.job_applications (user_id, id) ON DELETE CASCADE;
-- A mail outlives its application: only jobapp_id is cleared, its owner stays (PostgreSQL 15).
ALTER TABLE public.mails ADD CONSTRAINT fk_mails_user_id_job_applications FOREIGN KEY (user_id, jobapp_id)
    REFERENCES public.job_applications (user_id, id) ON DELETE SET NULL (jobapp_id);

-- Rows by application, per user: what get_status_history, get_jobapp_notes, lastUpdate and the cascades of
-- the keys above look up.
DROP INDEX public.ix_status_history_jobapp_id;
CREATE INDEX ix_status_history_user_id_jobapp_id ON public.status_history (user_id, jobapp_id);
DROP INDEX public.uq_status_history_jobapp_msg;
CREATE UNIQUE INDEX uq_status_history_user_jobapp_msg ON public.status_history (user_id, jobapp_id, msg_id)
    WHERE msg_id IS NOT NULL;
DROP INDEX public.ix_notes_jobapp_id;
CREATE INDEX ix_notes_user_id_jobapp_id ON public.notes (user_id, jobapp_id);
DROP INDEX public.ix_reminders_jobapp_id;
CREATE INDEX ix_reminders_user_id_jobapp_id ON public.reminders (user_id, jobapp_id);
DROP INDEX public.ix_mails_jobapp_id;
CREATE INDEX ix_mails_user_id_jobapp_id ON public.mails (user_id, jobapp_id);

-- The facts of an application read its history through ix_status_history_user_id_jobapp_id: the same
-- definition as 0008_insights.sql's, with the owner in the lateral join.
CREATE OR REPLACE VIEW metrics.jobapp_facts AS
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
    WHERE s.user_id = j.user_id AND s.jobapp_id = j.id) h ON true
WHERE j.deleted_at IS NULL;
