"""``GET /__api__/ui``: Swagger UI over ``/__api__``, from the swagger-ui-bundle package's own files.

Nothing is fetched from a CDN (the page works offline) and Swagger UI's online validator is off. The
document's ``oauth2`` password flow posts to ``/oauth/token``, so "Authorize" logs in from the page.
"""

from pyramid.response import Response
from pyramid.view import view_config
from swagger_ui_bundle import swagger_ui_path

from jobhax.api import PUBLIC
from jobhax.errors import PLAIN

STATIC = "__api__/ui/static"
ASSETS = str(swagger_ui_path) + "/"
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>JobHax API</title>
  <link rel="stylesheet" href="{static}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{static}/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{static}/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      url: "{document}",
      dom_id: "#swagger-ui",
      deepLinking: true,
      docExpansion: "list",
      validatorUrl: null,
      oauth2RedirectUrl: "{static}/oauth2-redirect.html",
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout"
    }});
  </script>
</body>
</html>
"""


@view_config(route_name="api_ui", request_method="GET", permission=PUBLIC)
def api_ui(request):
    page = PAGE.format(
        static=request.static_path(ASSETS).rstrip("/"),
        document=request.route_path("api_document"),
    )
    return Response(page, content_type="text/html", charset="utf-8")


def includeme(config):
    config.add_route("api_ui", "/__api__/ui", error_body=PLAIN)
    config.add_static_view(STATIC, ASSETS, cache_max_age=3600, permission=PUBLIC, error_body=PLAIN)
