"""Browser tests: real headless Chromium (Debian's, driven by Playwright) against a live uvicorn on loopback.

The app runs on the suite's fixed clock and on SQLite only (the pages run the same services as the API,
which is tested on both databases). Chromium missing is a failure with the way to install it, not a skip:
CI installs it through `make deps`.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, async_playwright

from tests.support.live import live_server

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
PHONE = {"width": 375, "height": 812}


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
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


async def fits_the_screen(page: Page) -> bool:
    """No sideways scrolling: the page is no wider than the viewport."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    return int(width) <= PHONE["width"]
