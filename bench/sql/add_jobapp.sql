-- add_jobapp's writes: the application and its first status-history row, one transaction.
\set status random(1, 5)
BEGIN;
INSERT INTO job_applications (user_id, job_title, company, source, status_id, is_rejected, apply_date)
VALUES (:user_id, 'Bench Engineer', 'Benchcorp', 'LinkedIn', :status, false, now()) RETURNING id \gset
INSERT INTO status_history (user_id, jobapp_id, status_id, changed_at) VALUES (:user_id, :id, :status, now());
END;
