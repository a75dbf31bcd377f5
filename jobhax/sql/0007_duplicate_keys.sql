-- Duplicate keys, version 1: how two applications are told to be the same job (get_duplicates).
--
-- Never edit this file once committed; see 0001_reporting_views.sql.
--
-- Companies compare case-, punctuation- and legal-suffix-insensitively ("Acme, Inc." = "ACME" =
-- "acme llc"), titles case- and space-insensitively ("Senior  Engineer" = "senior engineer"). The keys are
-- functions of one column each, IMMUTABLE, so job_applications stores them as generated columns and one
-- index groups a user's live applications by them: finding a 10,000-application user's duplicates reads
-- that index instead of normalising 10,000 names per request.

-- Steps: lower-case; drop dots and apostrophes, so "L.L.C." is "llc" and "Macy's" is "macys"; every other
-- run of non-alphanumerics becomes one space; then trailing legal-form words go, repeatedly ("Acme Co.,
-- Ltd." is "acme"). A name that is nothing but a legal form keeps it ("Inc" stays "inc").
CREATE FUNCTION public.company_key(company text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT btrim(regexp_replace(
        ' ' || btrim(regexp_replace(regexp_replace(lower(company), '[.''’]', '', 'g'), '[^[:alnum:]]+', ' ', 'g')),
        '(.)( (inc|incorporated|llc|llp|ltd|limited|gmbh|corp|corporation|co|plc|ag|sa|bv|nv|pty|pvt|srl|spa|sarl|oy|ab))+$',
        '\1'))
    $$;
COMMENT ON FUNCTION public.company_key(text) IS
    'A company name compared case-, punctuation- and legal-suffix-insensitively: "Acme, Inc." and "ACME" give "acme".';

CREATE FUNCTION public.title_key(job_title text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT lower(btrim(regexp_replace(job_title, '\s+', ' ', 'g')))
    $$;
COMMENT ON FUNCTION public.title_key(text) IS
    'A job title compared case- and space-insensitively: runs of white space count as one, ends are trimmed.';
