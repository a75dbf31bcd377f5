-- get_jobapp_notes: the ownership check, then the notes oldest first.
\set id random(:first_id, :last_id)
SELECT id FROM job_applications WHERE id = :id AND user_id = :user_id AND deleted_at IS NULL;
SELECT id, description, created_at, updated_at FROM notes WHERE user_id = :user_id AND jobapp_id = :id ORDER BY created_at, id;
