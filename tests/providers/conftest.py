import pytest


@pytest.fixture
def provider_settings(provider):
    """Raw settings pointing the clients at the fake, with a timeout short enough to test."""
    return {
        "jobhax.google_api_base": provider.url,
        "jobhax.linkedin_api_base": provider.url,
        "jobhax.linkedin_web_base": provider.url,
        "jobhax.provider_timeout": 0.5,
    }
