from sqlalchemy import event


class StatementCounter:
    """Counts SQL statements sent on an engine, to prove an endpoint's query count is fixed."""

    def __init__(self, engine):
        self.engine = engine
        self.statements = []

    @property
    def count(self):
        return len(self.statements)

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)
