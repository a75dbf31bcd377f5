"""Whether a SQL statement keeps to one user: every table of user data it reads or writes is constrained by
``user_id`` (README "Scaling out": a distributed database routes such a statement to one node).

A table occurrence is constrained when its user key (``user_id``; ``id`` for ``users``) is tied to a value
(a bound parameter or a literal) through equalities that hold for every row the statement touches: the
AND-ed terms of a WHERE or JOIN ... ON, of its own query or of an enclosing one (correlated subqueries),
``col = value``, ``col IN (values)``, ``col = ANY(value)``, ``a.user_id = b.user_id`` with ``b`` constrained,
and columns passed out of a derived table or CTE. An INSERT or COPY is constrained when its column list names
the user key, or when it makes a user (an INSERT into ``users``). Anything the parser cannot read and that
names a table of user data is a violation.

A few statements must find the user before they can know the user id: those are ``lookups``, a table's
columns that together identify one user's row on their own (a token digest, a username); equating them with
values constrains that occurrence as its user key would. A term ``a OR b`` constrains a table when each of
its branches does, by its user key or one of its lookups.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache

import sqlglot
from sqlglot import exp

STATEMENTS = (exp.Select, exp.Update, exp.Delete)
VALUES = (exp.Placeholder, exp.Parameter, exp.Literal, exp.Boolean)
ANCHOR = ("value",)


@dataclass(frozen=True)
class Violation:
    table: str
    statement: str

    def __str__(self):
        return f"{self.table} is not constrained by its user key in:\n{self.statement}"


class _Links:
    """Union-find over column nodes and ANCHOR: which columns are equal to a given value."""

    def __init__(self):
        self.parent = {}

    def find(self, node):
        self.parent.setdefault(node, node)
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def union(self, a, b):
        self.parent[self.find(a)] = self.find(b)

    def anchored(self, node):
        return self.find(node) == self.find(ANCHOR)

    def copy(self):
        links = _Links()
        links.parent = dict(self.parent)
        return links


@dataclass
class _Source:
    """One relation in a FROM, JOIN, USING, UPDATE or DELETE: a table, or a derived table/CTE (``inner``)."""

    alias: str
    table: str | None = None
    inner: exp.Expression | None = None
    key: tuple = field(default=())


class ScopeChecker:
    """``scoped``: {"schema.table": user key column}; ``lookups``: {"schema.table": [(column, ...), ...]}."""

    def __init__(self, scoped, lookups=None):
        self.scoped = dict(scoped)
        self.lookups = {table: [tuple(key) for key in keys] for table, keys in (lookups or {}).items()}
        names = sorted({name.split(".", 1)[1] for name in self.scoped}, key=len, reverse=True)
        self._mentions = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b", re.IGNORECASE)
        self.violations = lru_cache(maxsize=None)(self._violations)

    def _violations(self, sql):
        """The tables of user data ``sql`` reads or writes unconstrained, as :class:`Violation`s."""
        try:
            trees = sqlglot.parse(sql, read="postgres")
        except sqlglot.errors.SqlglotError:
            trees = None
        if trees is None or any(isinstance(tree, exp.Command) for tree in trees if tree is not None):
            return tuple(Violation(f"{name} (unparsed)", sql) for name in sorted(self._unparsed(sql)))
        found = []
        for tree in trees:
            if tree is not None:
                found.extend(Violation(table, sql) for table in _Statement(self, tree).unconstrained())
        return tuple(found)

    def _unparsed(self, sql):
        return {match.lower() for match in self._mentions.findall(sql)}


def _qualified(table):
    return f"{table.db or 'public'}.{table.name}".lower()


def _conjuncts(condition):
    if condition is None:
        return []
    condition = condition.unnest()
    if isinstance(condition, exp.And):
        return [term for part in condition.flatten() for term in _conjuncts(part)]
    return [condition]


def _unwrap(node):
    while isinstance(node, exp.Paren | exp.Cast | exp.Lower):
        node = node.this
    return node


class _Statement:
    def __init__(self, checker, tree):
        self.checker = checker
        self.tree = tree
        self.links = _Links()
        self.sources = {}
        self.occurrences = []  # (table, source), a table of user data as a source

    def unconstrained(self):
        for node in self.tree.walk():
            if isinstance(node, STATEMENTS):
                self._scope(node)
            elif isinstance(node, exp.Insert | exp.Copy):
                self._insert(node)
        self._apply_lookups()
        return [table for table, source in self.occurrences if not self.links.anchored(source.key)]

    def _insert(self, node):
        target = node.this
        columns = None
        if isinstance(target, exp.Schema):
            columns = {column.name.lower() for column in target.expressions}
            target = target.this
        if not isinstance(target, exp.Table):
            return
        table = _qualified(target)
        key = self.checker.scoped.get(table)
        if key is not None:
            source = _Source(target.alias_or_name, table, key=(id(target), key))
            # An INSERT into users makes a user: its generated id is the new user's.
            if columns is None or key in columns or key == "id":
                self.links.union(source.key, ANCHOR)
            self.occurrences.append((table, source))

    def _scope(self, node):
        for source in self._sources(node):
            if source.table in self.checker.scoped:
                self.occurrences.append((source.table, source))
        # ORs last: each branch starts from what the plain terms already tie (``a = 1 AND (b = 2 OR c = 3)``).
        for term in sorted(self._terms(node), key=lambda term: isinstance(term.unnest(), exp.Or)):
            self._link(term, node)

    def _terms(self, node):
        terms = _conjuncts(node.args.get("where") and node.args["where"].this)
        for join in node.args.get("joins") or []:
            terms.extend(_conjuncts(join.args.get("on")))
        return terms

    def _sources(self, node):
        """The relations ``node`` reads or writes, memoized: column resolution asks for them again."""
        if id(node) in self.sources:
            return self.sources[id(node)]
        found = []
        relations = []
        if isinstance(node, exp.Update | exp.Delete):
            relations.append(node.this)
        origin = node.args.get("from_") or node.args.get("from")
        if origin is not None:
            relations.append(origin.this)
        relations.extend(join.this for join in node.args.get("joins") or [])
        relations.extend(node.args.get("using") or [])
        for relation in relations:
            source = self._source(relation, node)
            if source is not None:
                found.append(source)
        self.sources[id(node)] = found
        return found

    def _source(self, relation, node):
        if isinstance(relation, exp.Table) and isinstance(relation.this, exp.Identifier):
            cte = None if relation.db else self._cte(relation.name, node)
            if cte is not None:
                return _Source(relation.alias_or_name.lower(), inner=cte, key=(id(relation),))
            table = _qualified(relation)
            key = self.checker.scoped.get(table, "user_id")
            return _Source(relation.alias_or_name.lower(), table, key=(id(relation), key))
        if isinstance(relation, exp.Lateral):
            relation = relation.this
        if isinstance(relation, exp.Subquery):
            return _Source(relation.alias.lower(), inner=relation.this, key=(id(relation),))
        alias = relation.alias if hasattr(relation, "alias") else ""
        return _Source(alias.lower(), key=(id(relation),)) if alias else None

    def _cte(self, name, node):
        for ancestor in [node, *_ancestors(node)]:
            with_ = ancestor.args.get("with_") or ancestor.args.get("with")
            for cte in with_.expressions if with_ is not None else []:
                if cte.alias.lower() == name.lower():
                    return cte.this
        return None

    def _columns(self, column):
        """The nodes a column reference stands for: (source, column name) in the nearest query that has it."""
        name = column.name.lower()
        scopes = [ancestor for ancestor in _ancestors(column) if isinstance(ancestor, STATEMENTS)]
        for scope in scopes:
            sources = self._sources(scope)
            if column.table:
                matching = [source for source in sources if source.alias == column.table.lower()]
            elif len(sources) == 1:
                matching = sources
            else:
                matching = [source for source in sources if source.table in self.checker.scoped]
            if matching:
                return [self._column(source, name) for source in matching]
        return []

    def _column(self, source, name):
        node = (source.key[0], name)
        if source.inner is not None:
            self._pass_out(source, name, node)
        return node

    def _pass_out(self, source, name, node):
        """A derived table's or CTE's column is the inner column it selects or returns under that name."""
        inner = source.inner
        while isinstance(inner, exp.Union):
            inner = inner.this
        outputs = (
            inner.args.get("returning") if isinstance(inner, exp.Update | exp.Delete | exp.Insert) else inner
        )
        for output in outputs.expressions if outputs is not None else []:
            if output.alias_or_name.lower() == name and isinstance(output.unalias(), exp.Column):
                for inner_node in self._columns(output.unalias()):
                    self.links.union(node, inner_node)

    def _operand(self, node):
        node = _unwrap(node)
        if isinstance(node, VALUES) and not isinstance(node, exp.Null):
            return [ANCHOR]
        if isinstance(node, exp.Any) and isinstance(_unwrap(node.this), VALUES):
            return [ANCHOR]
        if isinstance(node, exp.Column):
            return self._columns(node)
        return []

    def _link(self, term, scope):
        term = term.unnest()
        if isinstance(term, exp.Or):
            self._link_either(term, scope)
        elif isinstance(term, exp.EQ):
            left, right = _unwrap(term.this), _unwrap(term.expression)
            if isinstance(left, exp.Tuple) and isinstance(right, exp.Tuple):
                pairs = zip(left.expressions, right.expressions, strict=False)
            else:
                pairs = [(left, right)]
            for a, b in pairs:
                for x in self._operand(a):
                    for y in self._operand(b):
                        self.links.union(x, y)
        elif isinstance(term, exp.In) and _all_values(self, term.expressions):
            for x in self._operand(term.this):
                self.links.union(x, ANCHOR)

    def _link_either(self, term, scope):
        """``a OR b``: a source of ``scope`` is constrained when every branch, with the terms beside the OR,
        ties its user key or a lookup to values."""
        branches = [_Statement(self.checker, self.tree) for _ in term.flatten()]
        for branch, part in zip(branches, term.flatten(), strict=True):
            branch.sources = self.sources
            branch.links = self.links.copy()
            for conjunct in _conjuncts(part):
                branch._link(conjunct, scope)
        for source in self._sources(scope):
            if source.table in self.checker.scoped and all(branch._found(source) for branch in branches):
                self.links.union(source.key, ANCHOR)

    def _found(self, source):
        if self.links.anchored(source.key):
            return True
        keys = self.checker.lookups.get(source.table, ())
        return any(all(self.links.anchored((source.key[0], c)) for c in key) for key in keys)

    def _apply_lookups(self):
        """A row found by a column that names one user's row on its own counts as constrained; repeat, since
        it may constrain the rows joined to it."""
        changed = True
        while changed:
            changed = False
            for _, source in self.occurrences:
                if not self.links.anchored(source.key) and self._found(source):
                    self.links.union(source.key, ANCHOR)
                    changed = True


def _all_values(statement, expressions):
    """``col IN (...)`` of values only; an IN over a subquery has no expressions and ties nothing."""
    return bool(expressions) and all(statement._operand(value) == [ANCHOR] for value in expressions)


def _ancestors(node):
    node = node.parent
    while node is not None:
        yield node
        node = node.parent


# Reference tables (README "Scaling out"): the same rows on every node of a distributed database, so a
# statement needs no user_id to find them. application_statuses holds the five shared statuses (user_id
# null) beside each user's custom ones.
REFERENCE_TABLES = frozenset({"public.application_statuses"})

# The statements that must find the user before they can know the user id, by the columns that name one
# user's row on their own (each unique); nothing else may skip user_id. By kind of statement:
LOOKUPS = {
    "public.oauth_tokens": [
        # The bearer check of every authenticated request, and logout or /oauth/revoke of an access token:
        # the token's digest is all they have.
        ("access_token_hash",),
        # The refresh grant (api/users/refresh_token, /oauth/token), the replay check that revokes a spent
        # token's family, and logout or /oauth/revoke of a refresh token.
        ("refresh_token_hash",),
    ],
    "public.users": [
        # The password grant (login, /oauth/token) and register's check that the username is free.
        ("username",),
        # request_password_reset, register's check that the address is free, and a social sign-in
        # linking a provider's verified address to its account (case-insensitive, as uq_users_email_lower).
        ("email",),
    ],
    # A social sign-in (auth_social_user): the provider's subject is the identity.
    "public.social_accounts": [("provider", "subject")],
    # verify_email and reset_password: the mailed token is the credential.
    "public.email_tokens": [("token_hash",)],
}

_RELATIONS_WITH_OWNER = """
SELECT n.nspname || '.' || c.relname, a.attname
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname IN ('public', 'metrics', 'reporting')
  AND (a.attname = 'user_id' OR (n.nspname, c.relname, a.attname) = ('public', 'users', 'id'))
"""


def user_data_relations(connection):
    """{"schema.relation": user key} of every table, view and materialized view holding user data, from the
    catalog: each with a user_id column (users: its id), reference tables left out."""
    rows = connection.exec_driver_sql(_RELATIONS_WITH_OWNER).all()
    return {name: key for name, key in rows if name not in REFERENCE_TABLES}
