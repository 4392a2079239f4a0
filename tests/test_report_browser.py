"""The rendered reports in a real browser: headless Chromium driven by selenium.

Checks that the summary report and the engagement page load with no console errors, make no network
request other than the file itself (the HTML holds no http(s) URL at all, checked statically too), run
no script from hostile group names, and saves a screenshot to ``test-artifacts/report.png``.
Needs the Debian packages ``chromium`` and ``chromium-driver`` and ``pip install selenium``; skips with
the reason when they are missing.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import warnings
from pathlib import Path

import pytest

import engagesurvey as es
from engagesurvey import simulate as sim
from engagesurvey.report import render_summary
from engagesurvey.report.engagement import render_engagement

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists()
                                                else None)
SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'
HOSTILE_AGENCY = "<script>window.__pwned=1;alert(1)</script>"
HOSTILE_UNIT = '"><img src=x onerror="window.__pwned=2">'


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inst = es.combine_instruments(sim.DEMO_INSTRUMENTS)
        cur = es.score(sim.simulate(n_agencies=4, n_units=50, n_employees=500, seed=5, labels=False), inst)
        prev = es.score(sim.simulate(n_agencies=4, n_units=50, n_employees=480, seed=6, labels=False), inst)
    meta = cur.meta.copy()
    first = min(meta.agency.unique())
    meta["agency"] = meta.agency.where(meta.agency != first, HOSTILE_AGENCY)
    meta["unit"] = meta.unit.where(meta.unit != meta.unit.iloc[0], HOSTILE_UNIT)
    meta["comment"] = [HOSTILE_UNIT if j % 4 == 0 else "Dialog kinerja membantu saya." for j in range(len(meta))]
    cur = dataclasses.replace(cur, meta=meta)
    out = tmp_path_factory.mktemp("html")
    summary = out / "summary.html"
    summary.write_text(render_summary(cur, lang="id", group="unit", seed=5), encoding="utf-8")
    engagement = out / "engagement.html"
    engagement.write_text(render_engagement(cur, lang="id", previous=prev, wave_group="agency",
                                            text="comment", n_boot=200, seed=5), encoding="utf-8")
    return {"summary": summary, "engagement": engagement}


def test_html_is_self_contained(pages):
    for path in pages.values():
        html = path.read_text(encoding="utf-8")
        without_ns = html.replace(SVG_NS, "")
        assert not re.search(r"https?:", without_ns, re.IGNORECASE), "the report must not reference any URL"
        assert not re.search(r"<(script|link|iframe|object|embed)\b", html, re.IGNORECASE)
        # no tag loads or runs anything (in-page links such as the table of contents, href="#...", load nothing)
        assert not re.search(r"<[^>]*\s(src|on\w+)\s*=", html, re.IGNORECASE)
        assert not re.search(r"<[^>]*\shref\s*=\s*(?![\"']?#)", html, re.IGNORECASE)
    eng = pages["engagement"].read_text(encoding="utf-8")
    assert "&lt;script&gt;window.__pwned=1;alert(1)&lt;/script&gt;" in eng


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip("headless browser test needs Chromium and chromedriver "
                    "(apt-get install -y --no-install-recommends chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="headless browser test needs selenium "
                                                                   "(pip install selenium)")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}", "--window-size=1200,900"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    yield drv
    drv.quit()


# browser-internal requests (Chromium's own pages, and an inline placeholder image it loads itself; the
# report has no src/href at all, checked statically above)
INTERNAL = ("chrome://", "chrome-untrusted://", "devtools://", "chrome-extension://", "data:")


def _requests(drv) -> tuple[list[str], list[str]]:
    """(URLs requested by the page, URLs whose loading failed); browser-internal pages left out."""
    urls, failed = {}, []
    events = [json.loads(e["message"])["message"] for e in drv.get_log("performance")]
    for msg in events:
        if msg.get("method") == "Network.requestWillBeSent":
            urls[msg["params"]["requestId"]] = msg["params"]["request"]["url"]
    page_ids = {rid for rid, u in urls.items() if not u.startswith(INTERNAL)}
    for msg in events:  # failures of requests sent before the page was opened are the browser's own
        if msg.get("method") == "Network.loadingFailed" and msg["params"]["requestId"] in page_ids:
            failed.append(urls[msg["params"]["requestId"]] + " " + msg["params"].get("errorText", ""))
    return [urls[rid] for rid in page_ids], failed


@pytest.mark.parametrize("name", ["summary", "engagement"])
def test_report_loads_cleanly_in_chromium(pages, driver, name):
    from selenium.common.exceptions import NoAlertPresentException

    driver.get_log("browser")
    driver.get_log("performance")
    driver.get(pages[name].as_uri())
    assert driver.execute_script("return document.readyState") == "complete"
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 - an alert would mean user text ran as script
    assert driver.execute_script("return window.__pwned === undefined")
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []
    urls, failed = _requests(driver)
    assert urls == [pages[name].as_uri()], urls  # the file itself and nothing else
    assert failed == []
    assert driver.find_elements("css selector", "h1")
    if name == "engagement":
        assert driver.find_element("id", "eng-index").text
        assert len(driver.find_elements("css selector", "figure.plot svg")) >= 4
        texts = " ".join(e.text for e in driver.find_elements("css selector", "ul.comments li"))
        assert HOSTILE_UNIT in texts  # the comment is shown as text, not as markup
        ARTIFACTS.mkdir(exist_ok=True)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1200, min(int(height) + 40, 6000))
        shot = ARTIFACTS / "report.png"
        assert driver.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000
    else:
        assert driver.find_elements("id", "scales")
        ARTIFACTS.mkdir(exist_ok=True)
        assert driver.save_screenshot(str(ARTIFACTS / "summary.png"))
