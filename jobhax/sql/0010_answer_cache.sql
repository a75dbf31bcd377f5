-- Answer cache, version 1: the metric answers too costly to build on every request, stored per user.
--
-- Never edit this file once committed; see 0001_reporting_views.sql.
--
-- Why: get_word_count and get_count_by_jobtitle_and_statuses of a 10,000-application user turn 3,000
-- companies and a grid of 1,500 titles by every status into JSON: ~5 and ~12 ms of database CPU per request
-- even from the counters of 0003_metric_counts.sql, which caps them below their targets. Those answers only
-- change when their user writes, so the service stores them here (jobhax/metrics/answer_cache.py) and the
-- triggers below delete a user's stored answers in every transaction that changes what they are built
-- from: the user's applications (job_applications, whatever the write path: the API, CSV import, merge,
-- mail updates, SQL by hand), their custom statuses (application_statuses), the user (users: account
-- erasure). A change to the shared statuses (a migration) forgets every user's answers. Invalidation lives
-- here, not in Python, so no write path can forget it; what changes the counters some other way (a migration
-- rebuilding them) must call metrics.forget_answers(NULL).
--
-- Read-your-writes holds because a stale answer is never stored. The race to close: a reader computes from
-- snapshot S, a writer commits after S (its DELETE found nothing to delete), then the reader stores what it
-- computed, stale until the user's next write. Transaction-scoped advisory locks on (class, user id) order
-- the two (nothing outlives a transaction, so PgBouncer's transaction pooling is fine):
-- * a writer takes the lock SHARED, then deletes the user's rows in a later statement, which therefore sees
--   every row committed before the lock was granted (READ COMMITTED: each statement of a volatile function
--   takes a new snapshot). Writers never wait for each other.
-- * a reader that missed stores only if pg_try_advisory_xact_lock (exclusive) succeeds, and computes in a
--   statement that starts after it did: by then every writer that held the lock shared has committed or
--   rolled back (a transaction's locks are released after its commit is visible), so the answer includes
--   its writes. A writer arriving later waits for the reader's transaction, then deletes what it stored. A
--   reader that does not get the lock answers without storing: readers never wait.
-- * a write spanning many users (a bulk import or update, seeding) would take a lock per user from a finite
--   lock table, so it takes (class, 0) exclusive instead, as a change to the shared statuses does; every
--   storing reader holds (class, 0) shared, and the same argument holds with the roles swapped. No user has
--   id 0.
-- A transaction in REPEATABLE READ or SERIALIZABLE has one snapshot, older than its lock: it never stores.

CREATE TABLE metrics.answer_cache (
    user_id integer NOT NULL,
    name text NOT NULL,
    body text NOT NULL,
    CONSTRAINT pk_answer_cache PRIMARY KEY (user_id, name)
);
COMMENT ON TABLE metrics.answer_cache IS
    'Metric answers (JSON text) as last built for a user, by answer name and version; triggers delete a user''s rows in every transaction that changes them.';

CREATE FUNCTION metrics.answer_lock_class() RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    -- "JHAC". The two-integer advisory keys are a space of their own: the single bigint keys that quotas
    -- and throttling hash into never meet these.
    SELECT 1246249283
    $$;

-- Above this many users in one statement a writer takes the one exclusive lock instead of one per user.
CREATE FUNCTION metrics.answer_lock_users_max() RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT 32
    $$;

-- The writer's side, called by every trigger below: user_ids null means every user.
CREATE FUNCTION metrics.forget_answers(user_ids integer[]) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    target integer;
BEGIN
    IF user_ids IS NULL OR array_position(user_ids, NULL) IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(metrics.answer_lock_class(), 0);
        DELETE FROM metrics.answer_cache;
        RETURN;
    END IF;
    user_ids := ARRAY(SELECT DISTINCT u FROM unnest(user_ids) u ORDER BY u);
    IF cardinality(user_ids) = 0 THEN
        RETURN;
    ELSIF cardinality(user_ids) > metrics.answer_lock_users_max() THEN
        PERFORM pg_advisory_xact_lock(metrics.answer_lock_class(), 0);
    ELSE
        FOREACH target IN ARRAY user_ids LOOP
            PERFORM pg_advisory_xact_lock_shared(metrics.answer_lock_class(), target);
        END LOOP;
    END IF;
    -- A statement of its own, after the locks: its snapshot sees what any reader stored before them.
    DELETE FROM metrics.answer_cache WHERE user_id = ANY(user_ids);
END
$$;
COMMENT ON FUNCTION metrics.forget_answers(integer[]) IS
    'Deletes these users'' stored answers (null: everyone''s) under the answer cache''s advisory locks; called by triggers in the writing transaction.';

-- The reader's side: whether the answer this transaction is about to build for target may be stored. True
-- only with both locks held until the transaction ends; never waits.
CREATE FUNCTION metrics.may_store_answer(target integer) RETURNS boolean
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RETURN false;
    END IF;
    IF NOT pg_try_advisory_xact_lock_shared(metrics.answer_lock_class(), 0) THEN
        RETURN false;
    END IF;
    RETURN pg_try_advisory_xact_lock(metrics.answer_lock_class(), target);
END
$$;
COMMENT ON FUNCTION metrics.may_store_answer(integer) IS
    'Takes the answer cache''s locks for storing an answer of this user, if free; the answer must be built by a later statement.';

-- Statement-level, like the counters: one call per statement whatever its size. Named to fire before the
-- counter triggers (same event: alphabetical order), so a writer locks before it touches them.
CREATE FUNCTION metrics.forget_answers_of_changed_rows() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM metrics.forget_answers(ARRAY(SELECT user_id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM metrics.forget_answers(ARRAY(SELECT user_id FROM old_rows UNION SELECT user_id FROM new_rows));
    ELSE
        PERFORM metrics.forget_answers(ARRAY(SELECT user_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER answers_forget_insert AFTER INSERT ON public.job_applications
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics.forget_answers_of_changed_rows();
CREATE TRIGGER answers_forget_update AFTER UPDATE ON public.job_applications
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION metrics.forget_answers_of_changed_rows();
CREATE TRIGGER answers_forget_delete AFTER DELETE ON public.job_applications
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics.forget_answers_of_changed_rows();

-- Shared statuses have no user_id: forget_answers gets a null and forgets everyone's.
CREATE TRIGGER answers_forget_insert AFTER INSERT ON public.application_statuses
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics.forget_answers_of_changed_rows();
CREATE TRIGGER answers_forget_update AFTER UPDATE ON public.application_statuses
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION metrics.forget_answers_of_changed_rows();
CREATE TRIGGER answers_forget_delete AFTER DELETE ON public.application_statuses
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics.forget_answers_of_changed_rows();

-- Erasure: a user without applications or custom statuses may still have answers stored (empty ones).
CREATE FUNCTION metrics.forget_answers_of_deleted_users() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM metrics.forget_answers(ARRAY(SELECT id FROM old_rows));
    RETURN NULL;
END
$$;
CREATE TRIGGER answers_forget_delete AFTER DELETE ON public.users
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics.forget_answers_of_deleted_users();

-- TRUNCATE of users or application_statuses reaches job_applications too (CASCADE, or it fails on their
-- foreign keys). It waits for every transaction that read the cache, so no reader is left to store.
CREATE FUNCTION metrics.forget_every_answer() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    TRUNCATE metrics.answer_cache;
    RETURN NULL;
END
$$;
CREATE TRIGGER answers_forget_truncate AFTER TRUNCATE ON public.job_applications
    FOR EACH STATEMENT EXECUTE FUNCTION metrics.forget_every_answer();
