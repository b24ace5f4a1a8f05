"""Browser tests: real headless Chromium (Debian's, driven by Playwright) against a live uvicorn on loopback.

The app runs on the suite's fixed clock and on SQLite only (the pages run the same services as the API,
which is tested on both databases). Chromium missing is a failure with the way to install it, not a skip:
CI installs it through `make deps`.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, async_playwright

from tests.support.live import live_server

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}
# axe-core as package-lock.json pins it, installed by `make deps` (npm ci).
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA (axe has no "wcag22a" tag: 2.2 added no level-A rule it checks).
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def base_url(app: Litestar) -> Iterator[str]:
    with live_server(app) as url:
        yield url


def chromium_path() -> str | None:
    return str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")


# What Chromium reported against the pages' Content-Security-Policy during the running test: a page that
# breaks its own policy (an inline style, a script from elsewhere) fails the test (issue 15, item 8).
CSP_VIOLATIONS: list[str] = []

_REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation(event.violatedDirective + " blocked " + (event.blockedURI || "inline")
    + " at " + event.documentURI);
});
"""


async def watch_csp(context: BrowserContext) -> None:
    """Every page of ``context`` reports each CSP violation, by its event and by Chromium's console."""

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            CSP_VIOLATIONS.append(message.text)

    await context.expose_binding("__cspViolation", lambda _source, text: CSP_VIOLATIONS.append(str(text)))
    await context.add_init_script(_REPORT_VIOLATIONS)
    context.on("console", on_console)


@pytest.fixture(autouse=True)
def no_csp_violation() -> Iterator[None]:
    CSP_VIOLATIONS.clear()
    yield
    if CSP_VIOLATIONS:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(CSP_VIOLATIONS), pytrace=False)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One Chromium per test process (each test has its own context: cookies, storage, viewport)."""
    executable = chromium_path()
    if not executable:
        pytest.fail(
            "Chromium is not installed: run `make deps` (or `apt-get install -y chromium fonts-noto-core`)",
            pytrace=False,
        )
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        new_context = launched.new_context

        async def watched_context(**options: Any) -> BrowserContext:
            context = await new_context(**options)
            await watch_csp(context)
            return context

        launched.new_context = watched_context  # type: ignore[method-assign]
        yield launched
        await launched.close()


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[Page]:
    """A phone-sized page (375 × 812)."""
    context = await browser.new_context(viewport=PHONE, device_scale_factor=1)
    yield await context.new_page()
    await context.close()


async def shot(page: Page, name: str) -> None:
    """Check the page as it is now (it fits its viewport, axe finds nothing), then keep a screenshot."""
    problems = await page_problems(page)
    if problems:
        pytest.fail(f"{name} ({page.url}):\n  " + "\n  ".join(problems), pytrace=False)
    await shot_only(page, name)


async def shot_only(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


async def page_problems(page: Page) -> list[str]:
    """Wider than its viewport (sideways scrolling), and axe-core's WCAG 2.2 A/AA violations."""
    width, viewport = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    problems = []
    if width > viewport:
        culprits = ", ".join(await page.evaluate(_OVERFLOWING))
        problems.append(f"{width} px wide in a {viewport} px viewport; past its edge: {culprits}")
    codes = await page.locator("select option").evaluate_all(_CODES_SHOWN)
    if codes:
        problems.append("a select shows codes, not names: " + ", ".join(codes))
    return problems + await accessibility_violations(page)


# An option that reads as its own value (a code such as "r1" or "summer-2027"); numbers may read as such.
_CODES_SHOWN = """options => options
  .filter(o => o.value && !/^[0-9]+$/.test(o.value) && o.textContent.trim() === o.value)
  .map(o => o.value)"""


# The innermost elements that stick out of the viewport (not those clipped by a scrolling ancestor):
# where to look when a page is too wide.
_OVERFLOWING = """() => {
  const out = el => { const r = el.getBoundingClientRect(); return r.right > innerWidth + 1 || r.left < -1; };
  const clipped = el => { for (let p = el.parentElement; p; p = p.parentElement) {
    if (p === document.body) return false;
    if (getComputedStyle(p).overflowX !== "visible") return true; } return false; };
  const classes = el => typeof el.className === "string" && el.className.trim()
    ? "." + el.className.trim().split(/\\s+/).join(".") : "";
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + classes(el);
  return [...document.body.querySelectorAll("*")]
    .filter(el => out(el) && !clipped(el) && ![...el.children].some(out))
    .slice(0, 5).map(el => name(el.parentElement) + " > " + name(el));
}"""


async def fits_the_screen(page: Page) -> bool:
    """No sideways scrolling: the page is no wider than the viewport."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    return int(width) <= PHONE["width"]


@cache
def _axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed ({AXE}): run `make deps` (or `npm ci`)", pytrace=False)
    return AXE.read_text(encoding="utf-8")


_RUN_AXE = """tags => axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
  .then(results => results.violations.map(v => v.id + " (" + v.impact + "): " + v.help + " at "
    + v.nodes.map(n => n.target.join(" ")).join(", ")))"""


async def accessibility_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.2 A/AA violations on the page as it is now, one line each.

    axe is evaluated through the devtools protocol, which the page's Content-Security-Policy does not
    govern: a <script> tag added to the page would be an inline script the policy blocks (and reports)."""
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(_axe_source())
    return list(await page.evaluate(_RUN_AXE, list(AXE_TAGS)))
