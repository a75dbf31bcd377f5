import contextvars

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


# Set while WebTest serves a request in this thread (tests/conftest.py): what the request itself sends.
SERVING = contextvars.ContextVar("serving_request", default=False)


class RequestStatements:
    """The statements sent on any engine while WebTest serves a request, each once, in order: what
    tests/sql_scope.py holds to one user per statement."""

    def __init__(self):
        self.statements = {}

    def record(self, conn, cursor, statement, parameters, context, executemany):
        if SERVING.get():
            self.statements.setdefault(statement, None)

    def serve(self, do_request):
        """``webtest.TestApp.do_request``, marking the request's thread as serving while it runs."""

        def serving(*args, **kwargs):
            token = SERVING.set(True)
            try:
                return do_request(*args, **kwargs)
            finally:
                SERVING.reset(token)

        return serving
