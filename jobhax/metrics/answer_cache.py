"""Metric answers stored per user (metrics.answer_cache), for the ones too costly to build per request.

The word count and the title matrix of a 10,000-application user cost ~5 and ~12 ms of database CPU to build,
a stored answer one index probe. Nothing here invalidates: triggers delete a user's answers in every
transaction that changes them, and advisory locks keep a reader from ever storing an answer older than a
committed write (jobhax/sql/0010_answer_cache.sql holds both and the argument). A request sends one
statement when the answer is stored, two when it is not.
"""

import hashlib

from sqlalchemy import text
from zope.sqlalchemy import mark_changed

# Always one row. On a miss it also asks for the locks that allow storing; they must be held before the
# statement that builds the answer starts, so that statement's snapshot sees every write they wait out.
_LOOKUP = """SELECT c.body, CASE WHEN c.body IS NULL THEN metrics.may_store_answer(:user_id) END AS may_store
FROM (VALUES (1)) AS one (x)
LEFT JOIN metrics.answer_cache c ON c.user_id = :user_id AND c.name = :name"""

# A user erased since the request authenticated has nobody left to forget the answer: not stored. Another
# reader may have stored it meanwhile, under the same locks: then it is as fresh, and kept.
_BUILD_AND_STORE = """WITH answer (body) AS MATERIALIZED ({sql}),
stored AS (
    INSERT INTO metrics.answer_cache (user_id, name, body)
    SELECT :user_id, :name, body FROM answer WHERE EXISTS (SELECT FROM users WHERE id = :user_id)
    ON CONFLICT (user_id, name) DO NOTHING)
SELECT body FROM answer"""


class CachedAnswer:
    """One answer, built by ``sql`` (a single text column; bind parameter ``:user_id``)."""

    def __init__(self, name, sql):
        # The SQL's digest in the name: after a deployment that changes it, answers stored by the previous
        # version are never served (they go with the user's next write).
        self.name = f"{name}:{hashlib.sha256(sql.encode()).hexdigest()[:12]}"
        self.build = text(sql)
        self.build_and_store = text(_BUILD_AND_STORE.format(sql=sql))

    def lookup_statement(self, user_id):
        return text(_LOOKUP).bindparams(user_id=user_id, name=self.name)

    def json(self, dbsession, user_id):
        body, may_store = dbsession.execute(self.lookup_statement(user_id)).one()
        if body is not None:
            return body
        if not may_store:
            return dbsession.scalar(self.build, {"user_id": user_id})
        # zope.sqlalchemy rolls back a transaction it was not told wrote anything.
        mark_changed(dbsession)
        return dbsession.scalar(self.build_and_store, {"user_id": user_id, "name": self.name})
