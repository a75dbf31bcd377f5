"""Colander types and the request validator every service uses.

Coercions the contract allows (``"576"`` → 576, ``"true"`` → True) happen here, once.
"""

import datetime
import json

import colander

MAX_ID = 2_147_483_647


class Scalar(colander.SchemaType):
    """A JSON scalar; a missing one (``colander.null``) passes through both ways untouched."""

    def serialize(self, node, appstruct):
        return colander.null if appstruct is colander.null else self.to_json(appstruct)

    def deserialize(self, node, cstruct):
        return colander.null if cstruct is colander.null else self.parse(node, cstruct)

    def to_json(self, value):
        return value

    def parse(self, node, cstruct):
        raise NotImplementedError


class Id(Scalar):
    """A positive integer given as a JSON integer or a string of digits; never a bool or float."""

    def to_json(self, value):
        return str(value)

    def parse(self, node, cstruct):
        if isinstance(cstruct, bool):
            raise colander.Invalid(node, "must be an integer id")
        if isinstance(cstruct, int):
            value = cstruct
        elif isinstance(cstruct, str) and cstruct.isascii() and cstruct.isdigit():
            value = int(cstruct)
        else:
            raise colander.Invalid(node, "must be an integer id")
        if not 1 <= value <= MAX_ID:
            raise colander.Invalid(node, f"must be between 1 and {MAX_ID}")
        return value


class Ordinal(Id):
    """A non-negative integer (a sort position), given like an id."""

    def parse(self, node, cstruct):
        if cstruct == 0 or cstruct == "0":
            return 0
        return super().parse(node, cstruct)


class Flag(Scalar):
    """A JSON boolean, or one of "true"/"false"/"1"/"0"."""

    TRUE = ("true", "1")
    FALSE = ("false", "0")

    def to_json(self, value):
        return bool(value)

    def parse(self, node, cstruct):
        if isinstance(cstruct, bool):
            return cstruct
        if isinstance(cstruct, str) and cstruct.lower() in self.TRUE + self.FALSE:
            return cstruct.lower() in self.TRUE
        raise colander.Invalid(node, "must be a boolean")


class Text(Scalar):
    """A JSON string only (no numbers coerced), without NUL characters, PostgreSQL refuses them."""

    def parse(self, node, cstruct):
        if not isinstance(cstruct, str):
            raise colander.Invalid(node, "must be a string")
        if "\x00" in cstruct:
            raise colander.Invalid(node, "must not contain NUL characters")
        try:
            cstruct.encode("utf-8")
        except UnicodeEncodeError:
            # JSON "\ud800" escapes decode to lone surrogates, which no database column can hold.
            raise colander.Invalid(node, "must be valid Unicode text") from None
        return cstruct


class ApplicationDate(Scalar):
    """``YYYY-MM-DD`` or an ISO-8601 datetime; returned as an aware UTC datetime."""

    def to_json(self, value):
        return value.isoformat()

    def parse(self, node, cstruct):
        # isprintable: Python's fromisoformat lets a trailing NUL through after an offset.
        if not isinstance(cstruct, str) or not cstruct.isascii() or not cstruct.isprintable():
            raise colander.Invalid(node, "must be a date")
        try:
            if len(cstruct) == 10:
                value = datetime.datetime.combine(datetime.date.fromisoformat(cstruct), datetime.time())
            else:
                value = datetime.datetime.fromisoformat(cstruct.replace("Z", "+00:00"))
        except ValueError:
            raise colander.Invalid(node, "must be YYYY-MM-DD or an ISO-8601 datetime") from None
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.UTC)
        try:
            return value.astimezone(datetime.UTC)
        except OverflowError:
            # An offset can push year 1 or 9999 out of datetime's range: bad input, not a 500.
            raise colander.Invalid(node, "must be a date within years 1 to 9999 in UTC") from None


class Day(Scalar):
    """A calendar day, ``YYYY-MM-DD``, returned as a ``datetime.date``."""

    def to_json(self, value):
        return value.isoformat()

    def parse(self, node, cstruct):
        if not isinstance(cstruct, str) or not cstruct.isascii() or len(cstruct) != 10:
            raise colander.Invalid(node, "must be YYYY-MM-DD")
        try:
            return datetime.date.fromisoformat(cstruct)
        except ValueError:
            raise colander.Invalid(node, "must be YYYY-MM-DD") from None


def required_text(max_length, *validators, **kw):
    return colander.SchemaNode(
        Text(), validator=colander.All(colander.Length(min=1, max=max_length), *validators), **kw
    )


# Provider access tokens are a few hundred characters; room to spare without storing megabytes.
PROVIDER_TOKEN_MAX = 4096


def provider_token(**kw):
    """A Google or LinkedIn access token: visible ASCII (RFC 6750 b64token), since anything else cannot
    even travel in the Authorization header we send it in."""
    return colander.SchemaNode(
        Text(),
        validator=colander.All(
            colander.Length(min=1, max=PROVIDER_TOKEN_MAX),
            colander.Regex(r"^[\x21-\x7e]+$", msg="must be an OAuth2 access token"),
        ),
        **kw,
    )


class JsonBody(colander.MappingSchema):
    """A JSON object body; unknown keys are ignored, as old clients send extra fields."""

    def schema_type(self, **kw):
        return colander.Mapping(unknown="ignore")


class QueryString(colander.MappingSchema):
    def schema_type(self, **kw):
        return colander.Mapping(unknown="ignore")


def _validate(request, schema, location, cstruct):
    """``cstruct`` deserialized by ``schema`` (a class or an instance) into ``request.validated``; each
    failure recorded for Cornice's error handler."""
    schema = schema() if isinstance(schema, type) else schema
    try:
        request.validated.update(schema.deserialize(cstruct))
    except colander.Invalid as error:
        for name, message in error.asdict().items():
            request.errors.add(location, name, message)


def body_validator(request, schema=None, **kwargs):
    """Parse the body as JSON whatever the Content-Type; it must be an object matching ``schema``."""
    if schema is None:
        return
    raw = request.body
    try:
        payload = json.loads(raw) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: deeply nested arrays/objects.
        request.errors.add("body", "", "body must be a JSON object")
        return
    if not isinstance(payload, dict):
        request.errors.add("body", "", "body must be a JSON object")
        return
    _validate(request, schema, "body", payload)


def raw_body_validator(request, **kwargs):
    """A body taken as it comes (a CSV file, say): the endpoint reads ``request.body`` itself."""


def querystring_validator(request, schema=None, **kwargs):
    if schema is None:
        return
    try:
        params = dict(request.GET)
    except UnicodeDecodeError:
        request.errors.add("querystring", "", "query string must be UTF-8")
        return
    _validate(request, schema, "querystring", params)
