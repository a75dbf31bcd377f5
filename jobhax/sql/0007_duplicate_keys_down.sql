-- Undoes 0007_duplicate_keys.sql; the revision drops the generated columns that use the functions first.
DROP FUNCTION public.title_key(text);
DROP FUNCTION public.company_key(text);
