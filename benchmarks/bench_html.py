"""The interactive HTML page (issue 16): writing it, and opening it in a browser.

1. `rnntrace run --format html` of the sentiment scenario against `--format latex`, the
   same scenario and run (target: at most 1.2x; the page also traces the other chain, exact
   or hand-rounded, for its toggle).
2. The page of a T = 1,000 trace (hidden size 4) opened in headless Chromium: from asking
   for the page to the first click on a number answered (its step highlighted), median of
   3 (target: under 2 s). A page this large shows its later parts as they are needed.
   Needs Debian's chromium and chromium-driver and Selenium; said and skipped without.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

from run_all import RNNTRACE, SENTIMENT, interleaved, long_scenario, verdict

TARGET_RATIO = 1.2
TARGET_CLICK_S = 2.0
LONG_STEPS, LONG_HIDDEN = 1000, 4


def run() -> None:
    """Print the figures beside their targets."""
    print("rnntrace run --format html (issue 16)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = [*RNNTRACE, "run", str(SENTIMENT), "--force", "-o"]
        medians = interleaved({
            "latex": [*base, str(folder / "s.tex"), "--format", "latex"],
            "html": [*base, str(folder / "s.html"), "--format", "html"],
        })  # fmt: skip
        ratio = medians["html"] / medians["latex"]
        print(
            f"   reference: rnntrace run sentiment.yaml --format latex   {medians['latex']:.3f} s"
        )
        print(f"   rnntrace run sentiment.yaml --format html              {medians['html']:.3f} s")
        print(
            f"   ratio {ratio:.2f}x   target <= {TARGET_RATIO}x   {verdict(ratio <= TARGET_RATIO)}"
        )
        _first_click(folder)


def _first_click(folder: Path) -> None:
    import subprocess

    scenario = folder / "long.yaml"
    scenario.write_text(long_scenario(LONG_STEPS, hidden=LONG_HIDDEN, inputs=3), encoding="utf-8")
    page = folder / "long.html"
    subprocess.run([*RNNTRACE, "run", str(scenario), "--format", "html", "-o", str(page)],
                   check=True)  # fmt: skip
    size = page.stat().st_size / 1e6
    label = f"T = {LONG_STEPS:,}, H = {LONG_HIDDEN}: page of {size:.1f} MB opened, first click"
    try:
        driver = _chromium()
    except Exception as exc:  # noqa: BLE001 - any reason there is no browser: say it, go on
        print(f"   {label}: skipped ({exc})")
        return
    try:
        times = [_open_and_click(driver, page) for _ in range(3)]
    finally:
        driver.quit()
    seconds = statistics.median(times)
    ok = verdict(seconds < TARGET_CLICK_S)
    print(f"   {label:<62} {seconds:.2f} s   target < {TARGET_CLICK_S:.0f} s   {ok}")


def _chromium():
    """Headless Chromium under Selenium (the system's browser and driver)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if browser is None or driver is None:
        raise RuntimeError("chromium or chromedriver not on PATH")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1200,900"):  # fmt: skip
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(driver), options=options)


def _open_and_click(driver, page: Path) -> float:
    """Seconds from asking for the page to its script answering a click on the first number
    on it (the step that made it highlighted)."""
    driver.get("about:blank")
    start = time.perf_counter()
    driver.get(page.as_uri())  # returns once the page has loaded
    driver.find_element("css selector", ".rt-value .n").click()
    driver.find_element("css selector", ".rt-focus")  # the click's answer
    return time.perf_counter() - start
