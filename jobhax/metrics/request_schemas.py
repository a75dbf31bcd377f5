import colander

from jobhax.validation import Day, QueryString


class InsightsQuery(QueryString):
    """Applications applied on the UTC days from..to, inclusive; either bound may be left out. ``from`` after
    ``to`` selects nothing, as export_csv's range does."""

    # ``from`` is a Python keyword: the node is named in the schema's constructor.
    to = colander.SchemaNode(
        Day(), missing=colander.drop, description="Only applications applied on or before this day (UTC)."
    )

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.add_before(
            "to",
            colander.SchemaNode(
                Day(),
                name="from",
                missing=colander.drop,
                description="Only applications applied on or after this day (UTC).",
            ),
        )
