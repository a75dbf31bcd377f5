"""Authentication is the default: every route and method with the permission it needs, and nothing public
that does not say so."""

import pytest
import webtest
from pyramid.exceptions import ConfigurationError
from pyramid.interfaces import IDefaultPermission

from jobhax import configure
from jobhax.api import AUTHENTICATED, PUBLIC, ApiService
from tests.api_client import assert_error

PUBLIC_ROUTES = {
    ("register", "POST"),
    ("login", "POST"),
    ("refresh_token", "POST"),
    ("logout", "POST"),
    ("auth_social_user", "POST"),
    ("verify_email", "POST"),
    ("request_password_reset", "POST"),
    ("reset_password", "POST"),
    ("oauth_token", "POST"),
    ("oauth_revoke", "POST"),
    ("heartbeat", "GET"),
    ("lbheartbeat", "GET"),
    ("version", "GET"),
    ("api_document", "GET"),
    ("api_ui", "GET"),
    ("calendar_ics", "GET"),  # the key in its URL is the credential: calendar apps send no bearer
}
AUTHENTICATED_ROUTES = {
    ("logout_all", "POST"),
    ("get_linkedin_profile", "GET"),
    ("resend_verification", "POST"),
    ("change_password", "POST"),
    ("get_profile", "GET"),
    ("update_profile", "POST"),
    ("export", "GET"),
    ("delete_account", "POST"),
    ("update_gmail_token", "POST"),
    ("sync_user_emails", "GET"),
    ("sync_status", "GET"),
    ("get_user_google_mails", "GET"),
    ("get_jobapps", "GET"),
    ("get_statuses", "GET"),
    ("get_status_history", "GET"),
    ("add_jobapp", "POST"),
    ("update_jobapp", "POST"),
    ("delete_jobapp", "POST"),
    ("get_jobapp_detail", "GET"),
    ("get_jobapp_notes", "GET"),
    ("add_jobapp_note", "POST"),
    ("update_jobapp_note", "POST"),
    ("delete_jobapp_note", "POST"),
    ("add_status", "POST"),
    ("update_status", "POST"),
    ("delete_status", "POST"),
    ("export_csv", "GET"),
    ("import_csv", "POST"),
    ("get_duplicates", "GET"),
    ("merge_jobapps", "POST"),
    ("get_total_application_count", "GET"),
    ("get_application_count_by_month", "GET"),
    ("get_application_count_by_month_with_total", "GET"),
    ("get_count_by_statuses", "GET"),
    ("get_word_count", "GET"),
    ("get_count_by_jobtitle_and_statuses", "GET"),
    ("add_reminder", "POST"),
    ("update_reminder", "POST"),
    ("delete_reminder", "POST"),
    ("get_reminders", "GET"),
    ("get_calendar_url", "GET"),
    ("reset_calendar_key", "POST"),
    ("add_webhook", "POST"),
    ("get_webhooks", "GET"),
    ("delete_webhook", "POST"),
    ("get_funnel", "GET"),
    ("get_response_stats", "GET"),
    ("get_weekly_activity", "GET"),
}


def effective_permissions(registry):
    """``{(route name, method): permission}`` of every view bound to a route and a method; a view that named
    no permission gets the default one, as Pyramid applies it."""
    default = registry.queryUtility(IDefaultPermission)
    found = {}
    for entry in registry.introspector.get_category("views"):
        view = entry["introspectable"]
        methods = view["request_methods"]
        if view["route_name"] is None or methods is None:
            continue  # exception views, and Cornice's 405 answer for the methods a service lacks
        named = [
            related.discriminator for related in entry["related"] if related.category_name == "permissions"
        ]
        for method in (methods,) if isinstance(methods, str) else methods:
            if method != "HEAD":  # Cornice adds HEAD beside every GET, with the GET's permission
                found[(view["route_name"], method)] = named[0] if named else default
    return found


def test_every_route_states_who_may_call_it(app):
    """A new route fails here until it is listed with its permission: public is a decision, not a default."""
    expected = dict.fromkeys(PUBLIC_ROUTES, PUBLIC) | dict.fromkeys(AUTHENTICATED_ROUTES, AUTHENTICATED)
    assert effective_permissions(app.registry) == expected


def test_every_protected_endpoint_refuses_a_caller_without_a_token(testapp):
    for route, method in sorted(AUTHENTICATED_ROUTES):
        path = testapp.app.routes_mapper.get_route(route).pattern
        response = testapp.request(path, method=method, body=b"{}", expect_errors=True)
        assert_error(response, 1, 401)


def test_a_service_method_without_a_permission_does_not_exist():
    service = ApiService("nameless", "/api/test/nameless", "A service that forgot to say who may call it.")
    with pytest.raises(ConfigurationError, match="permission=AUTHENTICATED or permission=PUBLIC"):
        service.get()(lambda request: {})
    with pytest.raises(ConfigurationError):
        service.post(permission="anyone")(lambda request: {})


def test_a_plain_view_without_a_permission_needs_a_bearer(settings):
    config = configure(settings)
    config.add_route("forgotten", "/api/test/forgotten")
    config.add_view(lambda request: {"secret": True}, route_name="forgotten", renderer="json")
    testapp = webtest.TestApp(config.make_wsgi_app())
    assert_error(testapp.get("/api/test/forgotten", expect_errors=True), 1, 401)
    assert_error(
        testapp.get("/api/test/forgotten", headers={"Authorization": "Bearer forged"}, expect_errors=True),
        1,
        401,
    )
