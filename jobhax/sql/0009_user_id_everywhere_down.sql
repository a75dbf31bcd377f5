-- Undoes 0009_user_id_everywhere.sql: keys by id again, and the owner dropped where version 1 had none.

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
    WHERE s.jobapp_id = j.id) h ON true
WHERE j.deleted_at IS NULL;

DROP INDEX public.ix_mails_user_id_jobapp_id;
CREATE INDEX ix_mails_jobapp_id ON public.mails (jobapp_id);
DROP INDEX public.ix_reminders_user_id_jobapp_id;
CREATE INDEX ix_reminders_jobapp_id ON public.reminders (jobapp_id);
DROP INDEX public.ix_notes_user_id_jobapp_id;
CREATE INDEX ix_notes_jobapp_id ON public.notes (jobapp_id);
DROP INDEX public.uq_status_history_user_jobapp_msg;
CREATE UNIQUE INDEX uq_status_history_jobapp_msg ON public.status_history (jobapp_id, msg_id)
    WHERE msg_id IS NOT NULL;
DROP INDEX public.ix_status_history_user_id_jobapp_id;
CREATE INDEX ix_status_history_jobapp_id ON public.status_history (jobapp_id);

ALTER TABLE public.mails DROP CONSTRAINT fk_mails_user_id_job_applications;
ALTER TABLE public.reminders DROP CONSTRAINT fk_reminders_user_id_job_applications;
ALTER TABLE public.job_postings DROP CONSTRAINT fk_job_postings_user_id_job_applications,
    DROP CONSTRAINT fk_job_postings_user_id_users;
ALTER TABLE public.notes DROP CONSTRAINT fk_notes_user_id_job_applications, DROP CONSTRAINT fk_notes_user_id_users;
ALTER TABLE public.status_history DROP CONSTRAINT fk_status_history_user_id_job_applications,
    DROP CONSTRAINT fk_status_history_user_id_users;

ALTER TABLE public.webhooks DROP CONSTRAINT pk_webhooks, ADD CONSTRAINT pk_webhooks PRIMARY KEY (id);
ALTER TABLE public.social_accounts DROP CONSTRAINT pk_social_accounts, ADD CONSTRAINT pk_social_accounts PRIMARY KEY (id);
ALTER TABLE public.email_tokens DROP CONSTRAINT pk_email_tokens, ADD CONSTRAINT pk_email_tokens PRIMARY KEY (id);
ALTER TABLE public.oauth_tokens DROP CONSTRAINT pk_oauth_tokens, ADD CONSTRAINT pk_oauth_tokens PRIMARY KEY (id);
CREATE INDEX ix_webhooks_user_id ON public.webhooks (user_id);
ALTER TABLE public.mails DROP CONSTRAINT pk_mails, ADD CONSTRAINT pk_mails PRIMARY KEY (id);
ALTER TABLE public.reminders DROP CONSTRAINT pk_reminders, ADD CONSTRAINT pk_reminders PRIMARY KEY (id);
ALTER TABLE public.job_postings DROP CONSTRAINT pk_job_postings, ADD CONSTRAINT pk_job_postings PRIMARY KEY (jobapp_id);
ALTER TABLE public.notes DROP CONSTRAINT pk_notes, ADD CONSTRAINT pk_notes PRIMARY KEY (id);
ALTER TABLE public.status_history DROP CONSTRAINT pk_status_history, ADD CONSTRAINT pk_status_history PRIMARY KEY (id);
ALTER TABLE public.job_applications DROP CONSTRAINT pk_job_applications,
    ADD CONSTRAINT pk_job_applications PRIMARY KEY (id);

ALTER TABLE public.mails ADD CONSTRAINT fk_mails_jobapp_id_job_applications FOREIGN KEY (jobapp_id)
    REFERENCES public.job_applications (id) ON DELETE SET NULL;
ALTER TABLE public.reminders ADD CONSTRAINT fk_reminders_jobapp_id_job_applications FOREIGN KEY (jobapp_id)
    REFERENCES public.job_applications (id) ON DELETE CASCADE;
ALTER TABLE public.job_postings ADD CONSTRAINT fk_job_postings_jobapp_id_job_applications FOREIGN KEY (jobapp_id)
    REFERENCES public.job_applications (id) ON DELETE CASCADE;
ALTER TABLE public.notes ADD CONSTRAINT fk_notes_jobapp_id_job_applications FOREIGN KEY (jobapp_id)
    REFERENCES public.job_applications (id) ON DELETE CASCADE;
ALTER TABLE public.status_history ADD CONSTRAINT fk_status_history_jobapp_id_job_applications FOREIGN KEY (jobapp_id)
    REFERENCES public.job_applications (id) ON DELETE CASCADE;

ALTER TABLE public.job_postings DROP COLUMN user_id;
ALTER TABLE public.notes DROP COLUMN user_id;
-- Dropping a column fires no trigger.
ALTER TABLE public.status_history DROP COLUMN user_id;
