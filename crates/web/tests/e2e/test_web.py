"""End-to-end tests of `her2sim serve` in headless Debian Chromium (Playwright for Python).

The server is the `her2sim` binary built by cargo from this checkout (built now if absent),
started on a free port. The browser is the system's Chromium (`apt-get install chromium`);
Playwright's own browser downloads are never used. Missing Chromium or Playwright fails the
run (no test is skipped).

Screenshots of every page are saved under pytest's temporary directory and copied to
$HER2SIM_SCREENS (default /tmp/her2sim-screens) for a person to look at.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

REPO = Path(__file__).resolve().parents[4]
SUITE = REPO.parent / "shared" / "sbml-test-suite" / "semantic"
CHROMIUM = os.environ.get("HER2SIM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENS = Path(os.environ.get("HER2SIM_SCREENS", "/tmp/her2sim-screens"))


def cli_binary() -> Path:
    """The `her2sim` command built by cargo from this checkout (built now if absent)."""
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    if not target.is_absolute():
        target = REPO / target
    for profile in ("debug", "release"):
        exe = target / profile / "her2sim"
        if exe.exists():
            return exe
    cargo = shutil.which("cargo")
    assert cargo, "cargo is needed to build the her2sim CLI"
    subprocess.run([cargo, "build", "--quiet", "-p", "her2sim-cli"], cwd=REPO, check=True)
    exe = target / "debug" / "her2sim"
    assert exe.exists(), f"cargo build did not produce {exe}"
    return exe


@pytest.fixture(scope="session")
def exe() -> Path:
    return cli_binary()


@pytest.fixture(scope="session")
def server(exe: Path):
    """`her2sim serve --port 0`; yields its base URL."""
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert "serving on http://" in line, f"server did not start: {line!r} {proc.stderr.read() if proc.stderr else ''}"
        url = line.split("serving on ", 1)[1].strip().rstrip("/")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def browser():
    assert Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser: Browser):
    ctx = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    pg = ctx.new_page()
    # The default study is computed on the first request (about 30 s in an unoptimised build).
    pg.set_default_navigation_timeout(600_000)
    pg.set_default_timeout(600_000)
    yield pg
    ctx.close()


def screenshot(pg: Page, tmp_path: Path, name: str) -> Path:
    """A full-page PNG under tmp_path, copied to SCREENS."""
    out = tmp_path / f"{name}.png"
    pg.screenshot(path=str(out), full_page=True)
    SCREENS.mkdir(parents=True, exist_ok=True)
    shutil.copy(out, SCREENS / out.name)
    assert out.stat().st_size > 10_000, f"{name}: screenshot looks empty"
    return out


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=300) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def cli_json(exe: Path, *args: str) -> dict:
    out = subprocess.run([str(exe), *args, "--json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def assert_same(got, want, path="$"):
    """Equal JSON, numbers to 1e-9 relative (the solver's history moves the last digits)."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(want), f"{path}: {got} vs {want}"
        for k in want:
            assert_same(got[k], want[k], f"{path}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{path}: {got} vs {want}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{path}[{i}]")
    elif isinstance(want, float) and not isinstance(want, bool):
        assert isinstance(got, (int, float)), f"{path}: {got} vs {want}"
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-300), f"{path}: {got} vs {want}"
    else:
        assert got == want, f"{path}: {got} vs {want}"


def no_horizontal_overflow(pg: Page) -> None:
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 1201, f"the page is {width}px wide in a 1200px window"


def test_lab_form_runs_and_shows_plots_and_numbers(server: str, page: Page, exe: Path, tmp_path: Path):
    page.goto(server + "/")
    page.select_option("#cell_line", "skbr3")
    page.check("input[name=modifier][value=pten-loss]")
    page.select_option("#agent1", "lapatinib")
    page.fill("#dose1", "100nM")
    page.fill("#days", "3")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.locator(".error").count() == 0, page.locator(".error").inner_text()
    assert page.locator("svg").count() >= 3, "bar chart and two time courses"
    want = cli_json(
        exe, "predict", "--cell-line", "skbr3", "--modifier", "pten-loss", "--treatment", "lapatinib@100nM", "--days", "3"
    )
    row = page.locator("table.data tr", has_text="pAKT").first
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == "pAKT"
    assert abs(float(cells[2]) - want["pAKT"]) < 1e-4, (cells, want["pAKT"])
    heading = page.locator("#readouts h2").inner_text()
    assert "skbr3+pten-loss" in heading and "lapatinib@100nM" in heading
    # The download links carry the same request.
    with page.expect_download() as d:
        page.click("a.download:has-text('time courses')")
    csv = Path(d.value.path()).read_text()
    assert csv.startswith("hours,arm,viable_cells")
    assert len(csv.splitlines()) == 1 + 2 * 25
    href = page.get_attribute("a.download:has-text('prediction')", "href")
    status, got = get_json(server + href)
    assert status == 200
    assert_same(got, want)
    no_horizontal_overflow(page)
    screenshot(page, tmp_path, "lab-result")


def test_lab_error_is_shown_with_400(server: str, page: Page):
    page.goto(server + "/")
    page.fill("#treatment", "trastuzumab@lots")
    with page.expect_navigation() as nav:
        page.click("button[type=submit]")
    assert nav.value.status == 400
    err = page.locator(".error").inner_text()
    assert "trastuzumab" in err and "lots" in err, err
    # The form keeps what was typed.
    assert page.input_value("#treatment") == "trastuzumab@lots"


def test_bad_sbml_upload_shows_the_parser_error(server: str, page: Page, tmp_path: Path):
    page.goto(server + "/simulate")
    page.set_input_files(
        "#sbml_file",
        files=[{"name": "broken.xml", "mimeType": "application/xml", "buffer": b"<sbml><model></sbm>"}],
    )
    with page.expect_navigation() as nav:
        page.click("button[type=submit]")
    assert nav.value.status == 400
    err = page.locator(".error").inner_text()
    assert "model:" in err, err
    assert page.locator("svg").count() == 0
    screenshot(page, tmp_path, "simulate-error")


def test_sbml_upload_simulates(server: str, page: Page, tmp_path: Path):
    case = SUITE / "00001" / "00001-sbml-l3v2.xml"
    page.goto(server + "/simulate")
    page.set_input_files("#sbml_file", str(case))
    page.fill("#selections", "time,S1,S2")
    page.fill("#end", "5")
    page.fill("#points", "51")
    with page.expect_navigation() as nav:
        page.click("button[type=submit]")
    assert nav.value.status == 200, page.locator(".error").all_inner_texts()
    assert page.locator("figure.chart svg").count() == 1
    rows = page.locator("#table table.data tbody tr")
    assert rows.count() == 51
    last = rows.nth(50).locator("td").all_inner_texts()
    ref = (SUITE / "00001" / "00001-results.csv").read_text().strip().splitlines()[-1].split(",")
    for got, want in zip(last, ref):
        assert math.isclose(float(got), float(want), rel_tol=1e-4, abs_tol=1e-7), (last, ref)
    href = page.get_attribute("a.download", "href")
    assert href.startswith("data:text/csv")
    csv = urllib.parse.unquote(href.split(",", 1)[1])
    assert csv.splitlines()[0] == "time,S1,S2" and len(csv.splitlines()) == 52
    no_horizontal_overflow(page)
    screenshot(page, tmp_path, "simulate-result")


def test_dose_response_and_combo_match_the_cli(server: str, page: Page, exe: Path, tmp_path: Path):
    q = {"cell_line": "bt474", "treatment": "lapatinib", "doses": "1nM..10uM:7", "days": "3"}
    page.goto(server + "/dose-response?" + urllib.parse.urlencode(q))
    assert page.locator(".error").count() == 0, page.locator(".error").all_inner_texts()
    assert page.locator("figure.chart svg").count() == 1
    assert "IC50" in page.locator("#fit").inner_text()
    no_horizontal_overflow(page)
    screenshot(page, tmp_path, "dose-response")
    status, got = get_json(server + "/api/dose-response?" + urllib.parse.urlencode(q))
    assert status == 200
    want = cli_json(
        exe, "dose-response", "--cell-line", "bt474", "--treatment", "lapatinib", "--doses", "1nM..10uM:7", "--days", "3"
    )
    assert_same(got, want)

    q = [
        ("cell_line", "bt474"),
        ("treatment", "trastuzumab"),
        ("treatment", "paclitaxel"),
        ("doses", "0.1ug/mL..20ug/mL:5"),
        ("doses", "0.5nM..20nM:5"),
        ("days", "3"),
    ]
    status, got = get_json(server + "/api/combo?" + urllib.parse.urlencode(q))
    assert status == 200
    want = cli_json(
        exe, "combo", "--cell-line", "bt474",
        "--treatment", "trastuzumab", "--treatment", "paclitaxel",
        "--doses", "0.1ug/mL..20ug/mL:5", "--doses", "0.5nM..20nM:5", "--days", "3",
    )
    assert_same(got, want)
    page.goto(server + "/combo")
    page.fill("#days", "3")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.locator(".error").count() == 0, page.locator(".error").all_inner_texts()
    assert page.locator("figure.chart svg").count() == 5, "response and four synergy maps"
    bliss = page.locator("#scores tr", has_text="Bliss").locator("td").all_inner_texts()
    assert math.isclose(float(bliss[1]), want["bliss"]["score"], abs_tol=0.006), (bliss, want["bliss"])
    no_horizontal_overflow(page)
    screenshot(page, tmp_path, "combo")


def test_pages_render(server: str, page: Page, tmp_path: Path):
    """Screenshots of the remaining pages; each renders without an error or overflow."""
    for path, name, needs_svg in [
        ("/", "lab-form", False),
        ("/study", "study", False),
        ("/study/report", "study-report", True),
        ("/simulate", "simulate-form", False),
    ]:
        resp = page.goto(server + path)
        assert resp is not None and resp.status == 200, path
        assert page.locator(".error").count() == 0, (path, page.locator(".error").all_inner_texts())
        assert page.title(), path
        if needs_svg:
            assert page.locator("svg").count() > 5
        no_horizontal_overflow(page)
        screenshot(page, tmp_path, name)
    # The simulate form comes with an example model that runs as it is.
    page.goto(server + "/simulate")
    with page.expect_navigation() as nav:
        page.click("button[type=submit]")
    assert nav.value.status == 200, page.locator(".error").all_inner_texts()
    assert page.locator("#table th").all_inner_texts() == ["time", "[A]", "[B]", "[C]"]
    assert page.locator("figure.chart svg").count() == 1
    page.goto(server + "/study")
    rows = page.locator("#ranking table.data tbody tr")
    assert rows.count() >= 20
    status, ranking = get_json(server + "/api/study")
    assert status == 200
    assert rows.first.locator("td").nth(1).inner_text() == ranking["ranking"][0]["treatment"]


def test_trial_page_runs_an_example_like_the_cli(server: str, page: Page, exe: Path, tmp_path: Path):
    """The trials page runs the CLEOPATRA example in the browser: the table of simulated and
    published values, the Kaplan-Meier plot, and a JSON download equal to `her2sim trial`."""
    page.goto(server + "/trials?example=cleopatra")
    page.fill("#patients", "30")
    page.fill("#seed", "4")
    with page.expect_navigation() as nav:
        page.click("button[type=submit]")
    assert nav.value.status == 200, page.locator(".error").all_inner_texts()
    assert page.locator("figure.chart svg").count() >= 3
    assert "P+H+D" in page.locator("table.data").first.inner_text()
    href = page.locator("a.download", has_text="summary (JSON)").get_attribute("href")
    got = json.loads(urllib.parse.unquote(href.split(",", 1)[1]))
    want = cli_json(exe, "trial", str(REPO / "examples" / "trials" / "cleopatra.toml"),
                    "--patients", "30", "--seed", "4")
    assert_same(got, want)
    no_horizontal_overflow(page)
    screenshot(page, tmp_path, "trial")
