"""Request-level HTTP rules shared by every route: body size limit, CORS and compression."""

import gzip

from pyramid.httpexceptions import HTTPRequestEntityTooLarge
from pyramid.response import Response
from pyramid.tweens import EXCVIEW, INGRESS

MAX_BODY_BYTES = 1_048_576
PREFLIGHT_MAX_AGE = "86400"
ALLOWED_HEADERS = "Authorization, Content-Type"
ALLOWED_METHODS = "GET, POST, OPTIONS"
# Below this a gzip header and the CPU are not worth it.
GZIP_MIN_BYTES = 1024
# JSON of get_jobapps for 10,000 applications (2.4 MB): level 3 gives 165 KB in ~15 ms of CPU, level 6 141 KB
# in ~29 ms, level 9 (WebOb's encode_content) 126 KB in ~124 ms.
GZIP_LEVEL = 3


def body_limit_tween_factory(handler, registry):
    """Refuse bodies over 1 MiB, declared or chunked, before anything reads them."""

    def body_limit_tween(request):
        length = request.content_length
        if length is not None and length > MAX_BODY_BYTES:
            raise HTTPRequestEntityTooLarge()
        if length is None and request.method in ("POST", "PUT", "PATCH"):
            body = request.body_file_raw.read(MAX_BODY_BYTES + 1)
            if len(body) > MAX_BODY_BYTES:
                raise HTTPRequestEntityTooLarge()
            request.body = body
        return handler(request)

    return body_limit_tween


def cors_tween_factory(handler, registry):
    """CORS headers on every response (errors included) and the preflight answer."""
    origins = registry.settings.get("jobhax.cors_origins") or []
    allow_any = "*" in origins

    def allowed_origin(request):
        origin = request.headers.get("Origin")
        if not origin:
            return None
        if allow_any:
            return "*"
        return origin if origin in origins else None

    def cors_tween(request):
        origin = allowed_origin(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response = Response(status=204)
            if origin:
                response.headers.update(
                    {
                        "Access-Control-Allow-Origin": origin,
                        "Access-Control-Allow-Methods": ALLOWED_METHODS,
                        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                        "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
                    }
                )
        else:
            response = handler(request)
            if origin:
                response.headers["Access-Control-Allow-Origin"] = origin
                response.headers["Access-Control-Expose-Headers"] = "WWW-Authenticate"
        if origin and origin != "*":
            response.vary = tuple(sorted(set(response.vary or ()) | {"Origin"}))
        return response

    return cors_tween


def _accepts_gzip(request):
    # No Accept-Encoding means "anything" to RFC 9110, but clients that can decompress say so.
    return "Accept-Encoding" in request.headers and bool(request.accept_encoding.acceptable_offers(["gzip"]))


def gzip_tween_factory(handler, registry):
    """Answers over 1 KiB gzip-compressed for clients that accept it; every such answer says it varies by
    Accept-Encoding, so a shared cache never hands the compressed one to a client that did not ask."""

    def gzip_tween(request):
        response = handler(request)
        if response.content_length is None or response.content_length <= GZIP_MIN_BYTES:
            return response
        response.vary = tuple(sorted(set(response.vary or ()) | {"Accept-Encoding"}))
        if response.content_encoding is None and _accepts_gzip(request):
            response.body = gzip.compress(response.body, compresslevel=GZIP_LEVEL, mtime=0)
            response.content_encoding = "gzip"
        return response

    return gzip_tween


def includeme(config):
    # Body limit sits under the exception view so its 413 becomes the envelope;
    # CORS sits above everything so even a 500 carries the headers.
    config.add_tween("jobhax.tweens.body_limit_tween_factory", under=EXCVIEW)
    config.add_tween("jobhax.tweens.cors_tween_factory", over="pyramid_tm.tm_tween_factory")
    # Compression last, over everything: it encodes the final body, errors and CORS headers included.
    config.add_tween("jobhax.tweens.gzip_tween_factory", under=INGRESS)
