"""GET /docs in a real browser: headless Chromium loads evserve's own page, which must list the
API from /openapi.json, send the /predict example from its "Try it" form and show the prediction,
all without requesting anything from another host (FastAPI's Swagger UI page comes from a CDN).

Every request the page makes is recorded from Chromium's network log (the DevTools `Network`
events Selenium exposes as the "performance" log); any URL outside the server fails the test.
Chromium and its driver are Debian's (tests/apt-packages-ops.txt).
"""
from __future__ import annotations

import json
import shutil

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from evserve_server import running_evserve

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def server():
    with running_evserve() as (url, proc):
        yield url


@pytest.fixture()
def browser():
    options = Options()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        # Keep the browser itself quiet, so the log holds only what the page asks for.
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-default-apps", "--disable-extensions", "--no-first-run", "--window-size=1200,900",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def requested_urls(driver) -> list[str]:
    """Every URL the page has asked for since the last call, from the DevTools network events."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def wait_for(driver, condition, what: str, timeout: float = 20):
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(condition, message=what)


def submit(driver, operation: str, body: str | None = None) -> tuple[str, str]:
    """Fill the operation's Try-it form, send it, and return (data-status, shown response text)."""
    if body is not None:
        area = driver.find_element(By.ID, f"body-{operation}")
        driver.execute_script("arguments[0].value = arguments[1];", area, body)
    driver.find_element(By.CSS_SELECTOR, f"#try-{operation} button[type=submit]").click()
    answer = driver.find_element(By.ID, f"response-{operation}")
    status = wait_for(driver, lambda d: answer.get_attribute("data-status"), f"no answer shown for {operation}")
    return status, answer.text


def test_docs_page_predicts_offline(server, browser, tmp_path):
    """/docs lists routes and schemas, and its /predict form shows the same prediction the API gives."""
    browser.get(server + "/docs")
    state = wait_for(browser, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("data-state") != "loading" and
                     d.find_element(By.TAG_NAME, "html").get_attribute("data-state"), "page never rendered")
    assert state == "ready", browser.find_element(By.ID, "operations").text

    spec = requests.get(server + "/openapi.json", timeout=10).json()
    page = browser.find_element(By.TAG_NAME, "body").text
    for path, item in spec["paths"].items():
        for method in item:
            assert browser.find_element(By.ID, "op-" + item[method]["operationId"]).is_displayed()
            assert f"{method.upper()} {path}" in page
    for name in ("Observation", "Prediction", "HTTPValidationError", "ValidationError"):
        assert browser.find_element(By.ID, "schema-" + name).is_displayed()

    # The form comes prefilled with the document's example: two rows of n_features numbers.
    example_text = browser.find_element(By.ID, "body-predict").get_attribute("value")
    example = json.loads(example_text)
    n_features = spec["components"]["schemas"]["Observation"]["properties"]["X"]["items"]["maxItems"]
    assert len(example["X"]) == 2 and all(len(row) == n_features for row in example["X"])

    status, shown = submit(browser, "predict")
    assert status == "200", shown
    expected = requests.post(server + "/predict", json=example, timeout=10).json()["y"]
    assert json.loads(shown)["y"] == expected
    assert len(expected) == 2
    for value in expected:
        assert repr(value) in shown  # evserve writes numbers as Python's repr does
    assert "200" in browser.find_element(By.ID, "status-predict").text

    # A bad body shows the FastAPI-shaped 422 the server sent.
    status, shown = submit(browser, "predict", '{"X": []}')
    assert status == "422"
    assert json.loads(shown) == requests.post(server + "/predict", json={"X": []}, timeout=10).json()

    browser.save_screenshot(str(tmp_path / "docs.png"))

    urls = requested_urls(browser)
    assert any(u.endswith("/openapi.json") for u in urls), urls
    assert sum(u.endswith("/predict") for u in urls) == 2, urls
    outside = [u for u in urls if not u.startswith(server + "/")]
    assert outside == [], f"/docs requested URLs outside the server: {outside}"
    # The page's Content-Security-Policy would block an outside request before the network log
    # sees it; the console reports such refusals, so none may be there either.
    refused = [e["message"] for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]
    assert refused == []
