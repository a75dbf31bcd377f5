-- Undoes 0010_answer_cache.sql.
DROP TRIGGER answers_forget_truncate ON public.job_applications;
DROP TRIGGER answers_forget_delete ON public.users;
DROP TRIGGER answers_forget_delete ON public.application_statuses;
DROP TRIGGER answers_forget_update ON public.application_statuses;
DROP TRIGGER answers_forget_insert ON public.application_statuses;
DROP TRIGGER answers_forget_delete ON public.job_applications;
DROP TRIGGER answers_forget_update ON public.job_applications;
DROP TRIGGER answers_forget_insert ON public.job_applications;
DROP FUNCTION metrics.forget_every_answer();
DROP FUNCTION metrics.forget_answers_of_deleted_users();
DROP FUNCTION metrics.forget_answers_of_changed_rows();
DROP FUNCTION metrics.may_store_answer(integer);
DROP FUNCTION metrics.forget_answers(integer[]);
DROP FUNCTION metrics.answer_lock_users_max();
DROP FUNCTION metrics.answer_lock_class();
DROP TABLE metrics.answer_cache;
