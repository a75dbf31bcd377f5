-- update_jobapp's statements: lock the caller's live row, change its status, append the history row.
\set id random(:first_id, :last_id)
\set status random(1, 5)
BEGIN;
SELECT status_id FROM job_applications WHERE id = :id AND user_id = :user_id AND deleted_at IS NULL FOR UPDATE;
UPDATE job_applications SET status_id = :status WHERE user_id = :user_id AND id = :id;
INSERT INTO status_history (user_id, jobapp_id, status_id, changed_at) VALUES (:user_id, :id, :status, now());
END;
