-- get_status_history: the ownership check, then the history rows oldest first.
\set id random(:first_id, :last_id)
SELECT id FROM job_applications WHERE id = :id AND user_id = :user_id AND deleted_at IS NULL;
SELECT h.changed_at, s.id, s.value FROM status_history h JOIN application_statuses s ON s.id = h.status_id
WHERE h.user_id = :user_id AND h.jobapp_id = :id ORDER BY h.changed_at, h.id;
