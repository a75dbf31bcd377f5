DROP FUNCTION IF EXISTS public.erase_user(integer);
