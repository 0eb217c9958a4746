"""What a user sees in the Dagster UI after ``roundtrip demo``, checked in a real browser.

Over the session's demo (``demo_run``), the venv's ``dagster-webserver`` serves the instance and the
code location; Debian's chromium, driven by Playwright, opens the lineage (global, one group, one
asset's neighbours), an asset page's checks and overview, and the stakeholder report, asserting
the words a user must read there and saving a screenshot of each page (their folder is printed
at the end of the test session).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.integration.dagster_ui import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CODE_LOCATION,
    dagster_webserver,
)
from tests.integration.demo_run import DemoRun

# With the demo test on the same pytest-xdist worker: the demo runs once per session.
pytestmark = pytest.mark.xdist_group("demo")

if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run "
        "the browser test",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

# A page is ready when its words are there; a cold UI compiles its queries first.
UI_TIMEOUT_MS = 30_000
# The UI greets a new user on localhost with a newsletter dialog: a user who said "skip" once.
SKIPPED_COMMUNITY_DIALOG = 'localStorage.setItem("communityNux", JSON.stringify("1"))'


@pytest.fixture(scope="module")
def ui_url(demo_run: DemoRun, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    demo_run.assert_succeeded()
    log = tmp_path_factory.mktemp("dagster-webserver") / "webserver.log"
    with dagster_webserver(demo_run.home, log) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    context.add_init_script(SKIPPED_COMMUNITY_DIALOG)
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def warehouse_rows(demo_run: DemoRun, table: str) -> int:
    con = duckdb.connect(str(demo_run.home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(f"select count(*) from {table}").fetchone()[0]
    finally:
        con.close()


def see(page: Page, text: str | re.Pattern[str]) -> None:
    """Wait until ``text`` is visible somewhere on the page (the UI also keeps hidden copies of
    long names, to measure them for truncation: those do not count)."""
    expect(page.get_by_text(text).filter(visible=True).first).to_be_visible(timeout=UI_TIMEOUT_MS)


def test_lineage_shows_the_layers_and_the_assets_with_their_checks(
    page: Page, ui_url: str, screenshots: Path
) -> None:
    page.goto(f"{ui_url}/asset-groups")
    see(page, "Global asset lineage")
    for group in ("raw_hubspot", "staging_hubspot", "marts_finance", "activation"):
        see(page, re.compile(rf"^{group}$"))
    page.screenshot(path=screenshots / "01_global_lineage.png")

    page.goto(f"{ui_url}/locations/{CODE_LOCATION}/asset-groups/marts_finance")
    for asset in ("fct_mrr", "fct_mrr_movements", "fct_mrr_monthly"):
        see(page, re.compile(rf"^{asset}$"))
    # a node reads "N / N Passed": all of its checks ran and passed
    see(page, re.compile(r"^(\d+) / \1 Passed$"))
    page.screenshot(path=screenshots / "02_group_marts_finance.png")


def test_an_asset_page_shows_its_checks_metadata_and_lineage(
    page: Page, ui_url: str, demo_run: DemoRun, screenshots: Path
) -> None:
    asset = f"{ui_url}/assets/marts/dim_customers"
    page.goto(f"{asset}?view=checks")
    see(page, re.compile(r"^Checks \(\d+\)$"))
    page.get_by_placeholder("Filter checks").fill("customer_uid")
    page.get_by_text("Succeeded").first.click()  # the first of the filtered checks
    see(page, re.compile(r"^(not_null|unique)_dim_customers_customer_uid$"))
    see(page, "blocking")
    see(page, re.compile(r"^Passed$"))
    page.screenshot(path=screenshots / "03_dim_customers_checks.png")

    page.goto(f"{asset}?view=overview")
    see(page, "The customer 360")  # the dbt description
    see(page, "data-platform")  # the owner
    see(page, re.compile(r"^customer_uid$"))  # the column schema
    see(page, "Row count")
    see(page, re.compile(rf"^{warehouse_rows(demo_run, 'marts.dim_customers'):,}$"))
    page.screenshot(path=screenshots / "04_dim_customers_overview.png")

    # dim_customers has dozens of neighbours; fct_mrr's few stay legible at the default zoom
    page.goto(f"{ui_url}/assets/marts/fct_mrr?view=lineage")
    for neighbour in ("fct_mrr_monthly", "fct_mrr_movements", "dim_customers"):
        see(page, re.compile(rf"^{neighbour}$"))
    page.screenshot(path=screenshots / "05_fct_mrr_lineage.png")


def test_the_stakeholder_report_opens_offline(
    page: Page, demo_run: DemoRun, screenshots: Path
) -> None:
    report = demo_run.home / "reports" / "stakeholder_report.html"
    if not report.exists():
        pytest.skip(f"the demo rendered no stakeholder report at {report}")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(report.as_uri())
    see(page, re.compile("stakeholder report", re.I))
    headings = " | ".join(page.locator("h2").all_inner_texts())
    for subject in ("funnel", "MRR", "CAC", "ROAS", "attribution", "freshness"):
        assert re.search(subject, headings, re.I), f"no {subject} section in: {headings}"
    expect(page.locator("svg, img").first).to_be_visible()  # the charts are drawn
    page.screenshot(path=screenshots / "06_stakeholder_report.png", full_page=True)
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
