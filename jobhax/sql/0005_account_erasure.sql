-- erase_user(user_id): everything stored about one user, gone in the caller's transaction
-- (DESIGN "Account deletion and export"; POST /api/users/delete_account calls it).
--
-- Rows that reference users(id) go with it through their ON DELETE CASCADE foreign keys (applications and,
-- through them, notes, history and postings; mails, imports, tokens, provider identities, mailed tokens).
-- What this function adds is what no foreign key reaches:
--   * the user's background jobs: procrastinate keeps job arguments (user_id, or the email of a password
--     reset) in procrastinate_jobs. Waiting jobs are deleted so they never run, a running one is asked to
--     abort (its next write fails on the missing user anyway), finished ones are deleted for their arguments;
--   * the metric counters (schema metrics): the cascade's triggers add negative partial counts keyed by the
--     user's id, so the counters are deleted after the user;
--   * failed logins, recorded by username.
-- The reporting materialized views forget the user at their next refresh, which the caller queues.

CREATE FUNCTION public.erase_user(target integer) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    target_username text;
    target_email text;
BEGIN
    -- Locked first: a concurrent request of the user (an import batch, a new application) finishes before.
    SELECT username, lower(email) INTO target_username, target_email FROM public.users WHERE id = target FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    PERFORM procrastinate_cancel_job_v1(id, true, true)
    FROM procrastinate_jobs
    WHERE status IN ('todo', 'doing')
      AND (args ->> 'user_id' = target::text OR (target_email <> '' AND lower(args ->> 'email') = target_email));
    DELETE FROM procrastinate_jobs
    WHERE status NOT IN ('todo', 'doing')
      AND (args ->> 'user_id' = target::text OR (target_email <> '' AND lower(args ->> 'email') = target_email))
      AND NOT EXISTS (SELECT 1 FROM procrastinate_periodic_defers d WHERE d.job_id = procrastinate_jobs.id);

    DELETE FROM public.users WHERE id = target;
    DELETE FROM public.login_failures WHERE username = target_username;

    DELETE FROM metrics.monthly_source_counts WHERE user_id = target;
    DELETE FROM metrics.status_counts WHERE user_id = target;
    DELETE FROM metrics.title_status_counts WHERE user_id = target;
    DELETE FROM metrics.company_counts WHERE user_id = target;
    RETURN true;
END;
$$;

COMMENT ON FUNCTION public.erase_user(integer) IS
    'Erase a user and everything stored about them (jobs, metric counters, failed logins included).';
