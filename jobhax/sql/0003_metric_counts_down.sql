-- Undoes 0003_metric_counts.sql: the triggers on job_applications, then schema metrics and all it holds.
DROP TRIGGER IF EXISTS metrics_counts_insert ON public.job_applications;
DROP TRIGGER IF EXISTS metrics_counts_update ON public.job_applications;
DROP TRIGGER IF EXISTS metrics_counts_delete ON public.job_applications;
DROP TRIGGER IF EXISTS metrics_counts_truncate ON public.job_applications;
DROP SCHEMA IF EXISTS metrics CASCADE;
