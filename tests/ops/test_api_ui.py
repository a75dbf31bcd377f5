"""GET /__api__/ui: Swagger UI, loaded by a real browser (Debian's chromium, headless) from the app alone."""

import re
import subprocess
from urllib.parse import urlsplit

import pytest

from tests.factories import PASSWORD
from tests.servers import serve
from tests.system_packages import require

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def chromium():
    return require("chromium", "chromium")


@pytest.fixture
def served_app(app, clean_database):
    with serve(app, threads=4) as base_url:
        yield base_url


def _operations(document):
    return [
        (operation["tags"][0], operation["operationId"], method, path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_the_page_and_its_assets_come_from_the_app(testapp):
    page = testapp.get("/__api__/ui")
    assert page.status_int == 200 and page.content_type == "text/html"
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(asset.startswith("/__api__/ui/static/") for asset in assets), assets
    for asset in assets:
        assert testapp.get(asset).status_int == 200, asset
    assert "validatorUrl: null" in page.text  # Swagger UI would otherwise call validator.swagger.io


def test_chromium_renders_every_operation(chromium, served_app, testapp, tmp_path):
    document = testapp.get("/__api__").json
    result = subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=30000",
            "--dump-dom",
            f"{served_app}/__api__/ui",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    dom = result.stdout
    assert 'class="swagger-ui' in dom, result.stderr[-2000:]
    assert "JobHax API" in dom
    operations = _operations(document)
    assert len(operations) >= 28
    for tag, operation_id, method, path in operations:
        block = re.search(
            rf'<div class="opblock opblock-{method}[^"]*" id="operations-{tag}-{operation_id}">', dom
        )
        assert block, (operation_id, method, path)
        assert f'data-path="{path}"' in dom, path
    assert "Authorize" in dom  # the security definitions are there: the page can log in


@pytest.fixture(scope="module")
def browser(chromium, tmp_path_factory):
    """Chromium driven through Debian's chromedriver, so a test can click as a person would."""
    chromedriver = require("chromedriver", "chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument("--window-size=1280,2000")
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    yield driver
    driver.quit()


def test_the_oauth2_password_flow_logs_in_from_the_page(browser, served_app, factories, oauth_client):
    """Authorize with username, password and client credentials, then "Try it out" an authenticated
    operation: the page fetched the token from /oauth/token and sends it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    user = factories.user()
    factories.jobapp(user, job_title="Page Tester", company="Swagger Inc")
    wait = WebDriverWait(browser, 60)
    browser.get(f"{served_app}/__api__/ui")
    wait.until(ready.element_to_be_clickable((By.CSS_SELECTOR, "button.authorize"))).click()
    dialog = wait.until(
        ready.visibility_of_element_located((By.CSS_SELECTOR, ".auth-container input#oauth_username"))
    )
    container = dialog.find_element(By.XPATH, "./ancestor::div[contains(@class, 'auth-container')]")
    container.find_element(By.ID, "oauth_username").send_keys(user.username)
    container.find_element(By.ID, "oauth_password").send_keys(PASSWORD)
    container.find_element(By.ID, "client_id").send_keys(oauth_client["client_id"])
    container.find_element(By.ID, "client_secret").send_keys(oauth_client["client_secret"])
    container.find_element(By.CSS_SELECTOR, "button.authorize").click()
    wait.until(lambda _: "Authorized" in container.text)
    browser.find_element(By.CSS_SELECTOR, ".modal-ux button.close-modal").click()

    operation = browser.find_element(By.ID, "operations-jobapps-get_jobapps")
    operation.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    wait.until(lambda _: operation.find_elements(By.CSS_SELECTOR, "button.try-out__btn"))[0].click()
    wait.until(lambda _: operation.find_elements(By.CSS_SELECTOR, "button.execute"))[0].click()
    body = wait.until(
        lambda _: operation.find_elements(
            By.CSS_SELECTOR, ".live-responses-table .response-col_description pre"
        )
    )[0]
    assert "Swagger Inc" in body.text and '"success": true' in body.text, body.text

    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources and {urlsplit(name).netloc for name in resources} == {urlsplit(served_app).netloc}
