"""The HTML page in a real headless Chromium (Debian's chromium and chromium-driver, driven by
Selenium): it loads without console errors, clicking h_2 highlights exactly what the RNN's
equations say it is made from, the toggle shows the hand-rounded chain's values, injected
script does not run, keys move between steps, and a screenshot shows a page.

Skipped when Chromium, its driver or Selenium is missing; failed instead under
RNNTRACE_REQUIRE_ORACLES=1 (as in CI)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from oracles import require_executable, require_module

import rnntrace

ROOT = Path(__file__).resolve().parent.parent
SENTIMENT = ROOT / "scenarios" / "sentiment.yaml"
MINUS = "\u2212"


def start_chromium(width: int = 1200, height: int = 900):
    """A headless Chromium under Selenium, with the browser's console log kept."""
    require_module("selenium", "pip install selenium")
    browser = require_executable("chromium")
    driver_path = require_executable("chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", f"--window-size={width},{height}"):  # fmt: skip
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver_path), options=options)


@pytest.fixture(scope="module")
def chromium():
    driver = start_chromium()
    yield driver
    driver.quit()


def _open(driver, tmp_path: Path, page: str, name: str = "page.html") -> None:
    path = tmp_path / name
    path.write_text(page, encoding="utf-8")
    driver.get(path.as_uri())
    driver.get_log("browser")  # start each page with an empty log


def _keys_with(driver, cls: str) -> set[str]:
    return {el.get_attribute("data-key") for el in driver.find_elements("css selector", f".{cls}")
            if el.get_attribute("data-key")}  # fmt: skip


def _value_of(driver, key: str):
    step = driver.find_element("css selector", f'details[data-key="{key}"]')
    return step.find_elements("css selector", ".rt-value .n")


def test_the_page_loads_without_console_errors_and_its_script_runs(chromium, tmp_path):
    _open(chromium, tmp_path, rnntrace.to_html(rnntrace.trace(SENTIMENT)))
    errors = [entry for entry in chromium.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
    assert chromium.find_element("id", "rt-controls").is_displayed()
    assert chromium.find_element("id", "rt-chain").text == "Show exact values"
    # MathML is laid out as maths, not as text: a subscript sits lower than its base
    base = chromium.find_element("css selector", "msub > mi")
    sub = chromium.find_element("css selector", "msub > :nth-child(2)")
    assert sub.location["y"] > base.location["y"]


def test_clicking_h2_highlights_exactly_what_its_equation_uses(chromium, tmp_path):
    _open(chromium, tmp_path, rnntrace.to_html(rnntrace.trace(SENTIMENT)))
    _click(chromium, _value_of(chromium, "s1.h_2")[0])
    # the simple RNN: h_t = tanh(z_t), z_t = W_xh x_t + W_hh h_{t-1} + b_h
    assert _keys_with(chromium, "rt-focus") == {"s1.h_2"}
    assert _keys_with(chromium, "rt-operand") == {"s1.z_2"}
    assert _keys_with(chromium, "rt-source") == {"W_xh", "s1.x_2", "W_hh", "s1.h_1", "b_h"}
    panel = chromium.find_element("id", "rt-panel")
    assert panel.is_displayed() and "s1.h_2" in panel.text
    assert panel.find_elements("css selector", ".rt-formula math")
    assert "s1.h_1" in panel.text and "W_hh" in panel.text
    # scrolled to it: the step is in the window
    focus = chromium.find_element("css selector", ".rt-focus")
    top = chromium.execute_script("return arguments[0].getBoundingClientRect().top", focus)
    assert 0 <= top < chromium.execute_script("return window.innerHeight")
    # a number inside another step's working names its own step: W_hh's entry in W_hh h_1
    row = chromium.find_element("css selector", 'details[data-key="s1.zh_2"] .rt-work .n')
    _click(chromium, row)
    assert _keys_with(chromium, "rt-focus") == {"W_hh"}
    assert chromium.get_log("browser") == []


def _click(driver, element) -> None:
    """Click as a reader does: on the element scrolled to the middle of the window (not under
    the sticky bar at the top)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _numbers(driver, key: str) -> list[str]:
    return [el.text for el in _value_of(driver, key)]


def _fixed(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return text.replace("-", MINUS) if float(text) != 0 else text.lstrip("-")


def test_the_toggle_shows_the_hand_rounded_chain_and_back(chromium, tmp_path):
    exact = rnntrace.trace(SENTIMENT, carry="exact")
    rounded = rnntrace.trace(SENTIMENT, carry="rounded")  # every intermediate to 3 decimals
    _open(chromium, tmp_path, rnntrace.to_html(exact))
    keys = ["s1.z_2", "s1.h_2", "s1.h_6", "s1.L_6", "L", "dW_hh", "W_hh_new"]
    before = {key: _numbers(chromium, key) for key in keys}
    for key in keys:
        shown = np.array([float(t.replace(MINUS, "-")) for t in before[key]])
        np.testing.assert_allclose(shown, exact[key].value.ravel(), rtol=0, atol=0.51e-6)
    toggle = chromium.find_element("id", "rt-chain")
    assert toggle.text == "Show the hand-rounded chain"
    _click(chromium, toggle)
    for key in keys:
        want = [_fixed(float(v), 3) for v in rounded[key].carried.ravel()]
        assert _numbers(chromium, key) == want, key
    assert toggle.text == "Show exact values"
    _click(chromium, toggle)  # and back: the exact values again
    assert {key: _numbers(chromium, key) for key in keys} == before
    assert chromium.get_log("browser") == []


def test_injected_script_in_the_scenario_does_not_run(chromium, tmp_path):
    token = "<img/src=x/onerror=window.pwned=1>"  # a token holds no spaces
    title = "<script>window.pwned=2</script>"
    text = SENTIMENT.read_text(encoding="utf-8")
    text = text.replace('title: "Sentiment of two book reviews"', f"title: '{title}'")
    text = text.replace(" book", f" {token}")  # the embedding's key and both sequences
    scenario = rnntrace.load(text)
    assert token in scenario.sequences[0].tokens  # the token reached the page's text
    _open(chromium, tmp_path, rnntrace.to_html(rnntrace.trace(scenario)))
    assert chromium.execute_script("return window.pwned === undefined")
    assert chromium.title == title
    assert token in chromium.find_element("tag name", "body").text
    _click(chromium, chromium.find_elements("css selector", ".rt-value .n")[0])  # still works
    assert chromium.execute_script("return window.pwned === undefined")


def test_keys_move_to_the_next_and_previous_step(chromium, tmp_path):
    _open(chromium, tmp_path, rnntrace.to_html(rnntrace.trace(SENTIMENT)))
    body = chromium.find_element("tag name", "body")
    body.send_keys("j")
    body.send_keys("j")
    body.send_keys("j")
    assert _keys_with(chromium, "rt-current") == {"b_h"}  # W_xh, W_hh, b_h
    chromium.switch_to.active_element.send_keys("k")
    assert _keys_with(chromium, "rt-current") == {"W_hh"}


def test_a_screenshot_of_the_page_is_not_blank(chromium, tmp_path):
    image_module = require_module("PIL.Image", "pip install pillow")
    _open(chromium, tmp_path, rnntrace.to_html(rnntrace.trace(SENTIMENT)))
    png = chromium.get_screenshot_as_png()
    (tmp_path / "page.png").write_bytes(png)
    image = image_module.open(io.BytesIO(png)).convert("L")
    pixels = np.asarray(image)
    assert pixels.shape[0] > 400 and pixels.shape[1] > 400
    assert len(np.unique(pixels)) > 20  # text, rules and links, not one colour
    assert (pixels < 128).mean() > 0.005  # some dark ink on the page


def test_a_large_page_shows_its_later_parts_when_they_are_needed(chromium, tmp_path, monkeypatch):
    from selenium.webdriver.support.ui import WebDriverWait

    import rnntrace._internal.render.html as html_printer

    monkeypatch.setattr(html_printer, "STATIC_BYTES", 0)  # every page counts as large
    page = rnntrace.to_html(rnntrace.trace(SENTIMENT))
    assert page.count('class="rt-lazy"') >= 3
    _open(chromium, tmp_path, page)
    wait = WebDriverWait(chromium, 10)
    last = chromium.find_elements("css selector", "nav.rt-toc a")[-1]  # the update
    _click(chromium, last)
    number = wait.until(lambda d: d.find_elements(
        "css selector", 'details[data-key="W_hh_new"] .rt-value .n'))[0]  # fmt: skip
    _click(chromium, number)
    wait.until(lambda d: _keys_with(d, "rt-focus") == {"W_hh_new"})
    # the SGD step: W_hh' = W_hh - eta dL/dW_hh; dW_hh sits in an earlier part of the page
    assert _keys_with(chromium, "rt-operand") == {"W_hh", "dW_hh"}
    # a later number's provenance shows the part its operands are in: h_6 of review 1
    _click(chromium, _value_of(chromium, "s1.h_2")[0])
    wait.until(lambda d: _keys_with(d, "rt-focus") == {"s1.h_2"})
    assert _keys_with(chromium, "rt-source") == {"W_xh", "s1.x_2", "W_hh", "s1.h_1", "b_h"}
    assert chromium.get_log("browser") == []
