"""The checker every request's SQL goes through (tests/sql_scope.py): it must catch what a distributed
database could not route to one user's node, and pass what it could."""

import pytest

from tests.sql_scope import ScopeChecker

CHECKER = ScopeChecker(
    {
        "public.users": "id",
        "public.job_applications": "user_id",
        "public.status_history": "user_id",
        "public.notes": "user_id",
        "public.oauth_tokens": "user_id",
        "public.social_accounts": "user_id",
        "metrics.status_counts": "user_id",
    },
    {
        "public.oauth_tokens": [("access_token_hash",), ("refresh_token_hash",)],
        "public.users": [("username",)],
        "public.social_accounts": [("provider", "subject")],
    },
)

KEPT_TO_ONE_USER = [
    "SELECT * FROM job_applications WHERE user_id = %(user_id)s AND id = %(id)s",
    "SELECT * FROM job_applications WHERE (user_id, id) = (%(user_id)s, %(id)s)",
    "SELECT * FROM job_applications WHERE user_id IN (1, 2)",
    "SELECT * FROM job_applications WHERE user_id = ANY(CAST(:ids AS integer[]))",
    "SELECT * FROM job_applications j JOIN notes n ON n.user_id = j.user_id AND n.jobapp_id = j.id "
    "WHERE j.user_id = %(user_id)s",
    "SELECT j.id, (SELECT max(changed_at) FROM status_history h WHERE h.user_id = j.user_id "
    "AND h.jobapp_id = j.id) FROM job_applications j WHERE j.user_id = 3",
    "SELECT * FROM job_applications j LEFT JOIN LATERAL (SELECT count(*) FROM notes "
    "WHERE user_id = j.user_id AND jobapp_id = j.id) n ON true WHERE j.user_id = 1",
    "SELECT * FROM (SELECT user_id, id FROM job_applications WHERE user_id = 1) p "
    "JOIN notes n ON n.user_id = p.user_id",
    "UPDATE notes SET description = %(d)s WHERE notes.user_id = %(user_id)s AND notes.id = %(id)s",
    "DELETE FROM notes USING job_applications j WHERE notes.user_id = j.user_id AND j.user_id = :user_id",
    "INSERT INTO notes (user_id, jobapp_id, description) SELECT %(u)s, id, 'x' FROM job_applications "
    "WHERE user_id = %(u)s",
    "WITH moved AS (UPDATE job_applications SET status_id = 1 WHERE user_id = %(u)s RETURNING id, user_id) "
    "INSERT INTO status_history (user_id, jobapp_id) SELECT user_id, id FROM moved",
    "COPY notes (user_id, jobapp_id, description) FROM STDIN",
    "COPY (SELECT id FROM job_applications WHERE user_id = %(user_id)s) TO STDOUT WITH (FORMAT csv)",
    "SELECT sum(count) FROM metrics.status_counts WHERE user_id = %(user_id)s",
    "SELECT u.* FROM oauth_tokens t JOIN users u ON u.id = t.user_id WHERE t.access_token_hash = %(h)s",
    "SELECT 1",
    "INSERT INTO users (username, email) VALUES (%(username)s, %(email)s) RETURNING users.id",
    "UPDATE oauth_tokens SET revoked_at = now() WHERE client_pk = 1 "
    "AND (access_token_hash = %(h)s OR refresh_token_hash = %(h)s)",
    "UPDATE oauth_tokens t SET revoked_at = now() FROM (SELECT user_id, family_id FROM oauth_tokens "
    "WHERE refresh_token_hash = %(h)s) spent WHERE t.user_id = spent.user_id AND t.family_id = spent.family_id",
    "SELECT * FROM users WHERE username = %(u)s OR id = %(id)s",
    "SELECT * FROM social_accounts WHERE provider = 'google' AND (user_id = %(id)s OR subject = %(sub)s)",
    "SELECT pg_advisory_xact_lock(hashtextextended(%(key)s, 0))",
    "SAVEPOINT sa_savepoint_1",
]

# Each with the tables it leaves unconstrained.
LEAVING_THE_USER = [
    ("SELECT * FROM job_applications WHERE id = %(id)s", ["public.job_applications"]),
    ("SELECT * FROM job_applications WHERE user_id = 1 OR id = 2", ["public.job_applications"]),
    (
        "SELECT * FROM job_applications WHERE user_id IN (SELECT id FROM users)",
        ["public.job_applications", "public.users"],
    ),
    (
        "SELECT * FROM job_applications j JOIN notes n ON n.jobapp_id = j.id WHERE j.user_id = %(user_id)s",
        ["public.notes"],
    ),
    (
        "SELECT j.id, (SELECT max(changed_at) FROM status_history h WHERE h.jobapp_id = j.id) "
        "FROM job_applications j WHERE j.user_id = 3",
        ["public.status_history"],
    ),
    (
        "SELECT * FROM job_applications j LEFT JOIN LATERAL (SELECT count(*) FROM notes "
        "WHERE jobapp_id = j.id) n ON true WHERE j.user_id = 1",
        ["public.notes"],
    ),
    (
        "UPDATE notes SET description = %(d)s WHERE notes.id IN (SELECT notes.id FROM notes "
        "JOIN job_applications ON job_applications.id = notes.jobapp_id "
        "WHERE job_applications.user_id = %(user_id)s)",
        ["public.notes", "public.notes"],
    ),
    ("DELETE FROM notes WHERE jobapp_id = %(id)s", ["public.notes"]),
    ("INSERT INTO notes (jobapp_id, description) VALUES (%(a)s, %(b)s)", ["public.notes"]),
    ("COPY notes (jobapp_id, description) FROM STDIN", ["public.notes"]),
    (
        "COPY (SELECT id FROM job_applications WHERE id = %(id)s) TO STDOUT WITH (FORMAT csv)",
        ["public.job_applications"],
    ),
    ("SELECT sum(count) FROM metrics.status_counts", ["metrics.status_counts"]),
    (
        "SELECT * FROM oauth_tokens t JOIN users u ON u.id = t.user_id WHERE t.family_id = %(f)s",
        ["public.oauth_tokens", "public.users"],
    ),
    (
        "UPDATE oauth_tokens SET revoked_at = now() WHERE family_id = (SELECT family_id FROM oauth_tokens "
        "WHERE refresh_token_hash = %(h)s)",
        ["public.oauth_tokens"],
    ),
    ("SELECT * FROM users WHERE username = %(u)s OR email = %(e)s", ["public.users"]),
    ("SELECT * FROM notes WHERE user_id = 1 OR jobapp_id = 2", ["public.notes"]),
    ("SELECT * FROM social_accounts WHERE user_id = %(id)s OR subject = %(sub)s", ["public.social_accounts"]),
    ("SELECT * FROM users WHERE lower(email) = lower(%(email)s)", ["public.users"]),
    ("VACUUM notes", ["notes (unparsed)"]),
]


@pytest.mark.parametrize("sql", KEPT_TO_ONE_USER)
def test_statements_kept_to_one_user_pass(sql):
    assert CHECKER.violations(sql) == ()


@pytest.mark.parametrize(("sql", "tables"), LEAVING_THE_USER)
def test_statements_leaving_the_user_are_caught(sql, tables):
    found = CHECKER.violations(sql)
    assert sorted(violation.table for violation in found) == sorted(tables)
    assert all(violation.statement == sql and sql in str(violation) for violation in found)
