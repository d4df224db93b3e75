"""The browser page in real Chromium (Debian's /usr/bin/chromium driven by Playwright).

One server per module, started here with ``ai-chain serve`` on a free loopback port with
the small test scenario, in its own process group (killed at teardown), its log captured
to ``test-artifacts/browser/server.log``. Screenshots are written to
``test-artifacts/browser/``.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from common import REPO, SMALL
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from experiments.ui import controls as ui_controls
from experiments.ui.page import TABS  # the tabs and the charts each shows
from model.scenario import load_scenario

ARTIFACTS = REPO / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
LOAD_TIMEOUT_MS = 90_000
STEP_TIMEOUT_MS = 30_000

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason=f"{CHROMIUM} missing (apt-get install chromium)")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """``ai-chain serve`` on a free loopback port; yields (url, log path)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log_path = ARTIFACTS / "server.log"
    log = log_path.open("w")
    cli = Path(sys.executable).parent / "ai-chain"
    proc = subprocess.Popen([str(cli), "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--scenario", str(SMALL)],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start; see {log_path}:\n"
                                   + log_path.read_text()[-2000:])
            time.sleep(0.5)
        yield url, log_path
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Session:
    """A browser context on the page, collecting page errors and failed requests."""

    def __init__(self, browser, url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1500, "height": 1100},
                                           accept_downloads=True)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        self.page.on("requestfailed", lambda req: self.problems.append(
            f"request failed: {req.url} {req.failure}"))
        self.page.on("response", lambda resp: self.problems.append(
            f"HTTP {resp.status}: {resp.url}") if resp.status >= 400 else None)
        self.page.goto(url)
        self.page.get_by_text("step 0 of").wait_for(timeout=LOAD_TIMEOUT_MS)
        self.wait_for_charts("Chain")

    def status(self) -> str:
        return self.page.locator(".run-status").inner_text()

    def step_number(self) -> int:
        return int(self.status().split("step ")[1].split(" of")[0])

    def click(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).click()

    def step(self) -> None:
        before = self.step_number()
        self.click("Step")
        self.page.get_by_text(f"step {before + 1} of").wait_for(timeout=STEP_TIMEOUT_MS)

    def wait_for_charts(self, tab: str) -> None:
        self.page.locator(".chart-tabs").get_by_role("button", name=tab).click()
        keys = TABS[tab]
        selector = ", ".join(f".chart-{k} img" for k in keys)
        self.page.wait_for_function(
            "([sel, n]) => { const imgs = [...document.querySelectorAll(sel)];"
            " return imgs.length === n && imgs.every(i => i.complete && i.naturalWidth > 0); }",
            arg=[selector, len(keys)], timeout=LOAD_TIMEOUT_MS)

    def chart_src(self, key: str) -> str:
        return self.page.locator(f".chart-{key} img").get_attribute("src")

    def chart_png(self, key: str, path: Path | None = None) -> bytes:
        return self.page.locator(f".chart-{key} img").screenshot(path=path)

    def lever(self, name: str):
        return self.page.locator(f'[class~="lever-{name}"] input')

    def type_lever(self, name: str, text: str) -> None:
        field = self.lever(name)
        field.fill(text)
        field.press("Enter")

    def download_csv(self) -> pd.DataFrame:
        with self.page.expect_download() as info:
            self.page.get_by_role("button", name="Download this run's data (CSV)").click()
        return pd.read_csv(info.value.path())

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def main_session(browser, server):
    session = Session(browser, server[0])
    yield session
    session.close()


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def _not_blank(png: bytes) -> bool:
    """More than a uniform frame: many grey levels and real contrast."""
    image = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)
    return image.std() > 10 and len(np.unique(image)) > 20


def test_every_chart_renders_an_image(main_session, server):
    s = main_session
    s.page.screenshot(path=ARTIFACTS / "page.png", full_page=True)
    for tab, keys in TABS.items():
        s.wait_for_charts(tab)
        for key in keys:
            png = s.chart_png(key, ARTIFACTS / f"chart-{key}.png")
            assert _not_blank(png), f"{key} looks blank"
            width = s.page.locator(f".chart-{key} img").evaluate("i => i.naturalWidth")
            assert width > 300
    s.wait_for_charts("Chain")
    log = server[1].read_text()
    assert "Could not load URL" not in log
    assert " 404" not in log and "Traceback" not in log
    assert s.problems == []


def test_levers_are_present(main_session):
    s = main_session
    base = load_scenario(str(SMALL))
    specs = ui_controls.control_specs(base)
    assert s.page.locator('[class~="lever-preset"]').count() == 1
    for spec in specs:
        if spec.group == "run" or spec.setting == "budget":
            field = s.page.locator(f'[class~="lever-{spec.name}"]')
            assert field.count() == 1, spec.name
            assert spec.label in field.inner_text()
            if spec.widget == "text":
                assert s.lever(spec.name).input_value() == spec.text
    # an instrument's other settings are one click away
    s.page.get_by_text("recruitment settings").click()
    for spec in ui_controls.instrument_groups(specs)["recruitment"]:
        s.page.locator(f'[class~="lever-{spec.name}"]').wait_for(timeout=10_000)
    # choosing a preset starts the levers from its values
    package = load_scenario("chain_package")
    name = "policy.Shanxi.targeted_subsidy.budget"
    assert package[name] != base[name]
    s.page.locator('[class~="lever-preset"]').click()
    s.page.get_by_role("option", name="chain_package").click()
    expect(s.lever(name)).to_have_value(ui_controls.format_value(package[name]))
    s.page.locator('[class~="lever-preset"]').click()
    s.page.get_by_role("option", name=str(SMALL)).click()
    expect(s.lever(name)).to_have_value(ui_controls.format_value(base[name]))
    assert s.problems == []


def test_stepping_changes_the_charts(main_session):
    s = main_session
    s.wait_for_charts("Chain")
    before = {k: s.chart_src(k) for k in TABS["Chain"]}
    pixels = s.chart_png("firms_by_layer")
    start = time.perf_counter()
    s.step()
    s.page.wait_for_function(
        "([sel, old]) => { const i = document.querySelector(sel);"
        " return i && i.src !== old && i.complete && i.naturalWidth > 0; }",
        arg=[".chart-firms_by_layer img", before["firms_by_layer"]], timeout=STEP_TIMEOUT_MS)
    elapsed = time.perf_counter() - start
    (ARTIFACTS / "step-seconds.txt").write_text(f"{elapsed:.3f}\n")
    for key in TABS["Chain"]:  # each chart image is replaced on its own: wait for every one
        try:
            s.page.wait_for_function(
                "([sel, old]) => { const i = document.querySelector(sel);"
                " return i && i.src !== old && i.complete && i.naturalWidth > 0; }",
                arg=[f".chart-{key} img", before[key]], timeout=STEP_TIMEOUT_MS)
        except PlaywrightTimeout:
            pass  # reported by the assertion below, with the chart's name
        assert s.chart_src(key) != before[key], key
    assert s.chart_png("firms_by_layer", ARTIFACTS / "after-step.png") != pixels
    assert s.problems == []


def test_play_keeps_the_page_usable_and_pause_stops(main_session):
    s = main_session
    start = s.step_number()
    s.click("Play")
    s.page.get_by_role("button", name="Pause", exact=True).wait_for(timeout=STEP_TIMEOUT_MS)
    s.page.wait_for_function(
        "([n]) => { const m = document.querySelector('.run-status').innerText"
        ".match(/step (\\d+) of/); return m && Number(m[1]) >= n; }",
        arg=[start + 2], timeout=STEP_TIMEOUT_MS)
    s.wait_for_charts("Sourcing & talent")  # switching tabs works while playing
    s.click("Pause")
    s.page.get_by_role("button", name="Play", exact=True).wait_for(timeout=STEP_TIMEOUT_MS)
    time.sleep(1.0)  # a step in progress when Pause was clicked may still land
    stopped = s.step_number()
    time.sleep(1.5)
    assert s.step_number() == stopped > start + 1
    s.wait_for_charts("Chain")
    assert s.problems == []


def test_changing_a_lever_and_resetting_changes_the_outcome(main_session):
    s = main_session
    s.click("Reset")
    s.page.get_by_text("step 0 of").wait_for(timeout=STEP_TIMEOUT_MS)
    s.step()
    default = s.download_csv()
    s.wait_for_charts("Roles & policy")
    default_chart = s.chart_png("policy_spend")
    name = "policy.Shanxi.universal_subsidy.budget"
    original = s.lever(name).input_value()
    assert float(original) < 400
    s.type_lever(name, "400")
    s.click("Reset")
    s.page.get_by_text("step 0 of").wait_for(timeout=STEP_TIMEOUT_MS)
    s.step()
    changed = s.download_csv()
    s.wait_for_charts("Roles & policy")
    s.chart_png("policy_spend", ARTIFACTS / "policy-spend-after-lever.png")
    assert s.chart_png("policy_spend") != default_chart

    def shanxi(frame: pd.DataFrame) -> pd.Series:
        return frame[(frame.region == "Shanxi") & (frame.step == 1)].iloc[0]

    assert list(default.step.unique()) == [0, 1] == list(changed.step.unique())
    assert shanxi(changed).spend_universal_subsidy > shanxi(default).spend_universal_subsidy
    s.type_lever(name, original)
    assert s.problems == []


def test_bad_value_shows_an_error_and_the_server_still_answers(main_session, server):
    s = main_session
    step = s.step_number()
    name = "policy.Shanxi.recruitment.budget"
    for text, shown, allowed in (("-5", "-5", "out of range: expected a number"),
                                 ("abc", "'abc'", "a number in [0, 1e+06]")):
        s.type_lever(name, text)
        s.click("Reset")
        error = s.page.locator(".run-error")
        expect(error).to_contain_text(f"{name} = {shown}: {allowed}", timeout=STEP_TIMEOUT_MS)
        assert s.step_number() == step  # the run was not replaced
    s.page.screenshot(path=ARTIFACTS / "bad-value.png")
    with urllib.request.urlopen(server[0], timeout=10) as resp:
        assert resp.status == 200
    s.step()  # the page still works
    s.type_lever(name, "20")
    s.click("Reset")
    s.page.get_by_text("step 0 of").wait_for(timeout=STEP_TIMEOUT_MS)
    assert s.page.locator(".run-error").count() == 0
    assert s.problems == []


def test_two_sessions_stay_independent(browser, server, main_session):
    a = main_session
    a.click("Reset")
    a.page.get_by_text("step 0 of").wait_for(timeout=STEP_TIMEOUT_MS)
    a.step()
    a.step()
    b = Session(browser, server[0])
    try:
        assert b.step_number() == 0
        b.step()
        assert b.step_number() == 1
        time.sleep(0.5)
        assert a.step_number() == 2
        a.step()
        time.sleep(0.5)
        assert b.step_number() == 1
        b.page.screenshot(path=ARTIFACTS / "second-session.png")
        assert b.problems == []
    finally:
        b.close()
    assert a.problems == []
