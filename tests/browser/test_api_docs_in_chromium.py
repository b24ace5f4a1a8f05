"""The API's documentation page without the internet: Swagger UI comes from this app (no CDN), runs under
the pages' CSP (a violation fails the test) and lists every operation of the document."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from playwright.async_api import Browser, Route, expect

from tests.browser.conftest import shot_only


async def test_the_schema_page_lists_the_operations_with_only_this_app_reachable(
    browser: Browser, base_url: str
) -> None:
    async with httpx.AsyncClient(base_url=base_url) as api:
        document = (await api.get("/schema/openapi.json")).json()
    operations = sum(
        method in {"get", "post", "put", "patch", "delete"}
        for item in document["paths"].values()
        for method in item
    )
    here = urlsplit(base_url).netloc
    outside: list[str] = []

    async def only_this_app(route: Route) -> None:
        if urlsplit(route.request.url).netloc == here:
            await route.continue_()
        else:  # the internet is cut: whatever tries to leave is refused, and noted
            outside.append(route.request.url)
            await route.abort("internetdisconnected")

    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    await context.route("**/*", only_this_app)
    page = await context.new_page()
    await page.goto(f"{base_url}/schema")
    await expect(page.locator(".swagger-ui .info .title")).to_contain_text("Estivage")
    booking = page.locator(".opblock-post", has=page.locator("[data-path='/api/bookings']"))
    await expect(booking.first).to_be_visible()
    await expect(page.locator(".opblock")).to_have_count(operations)
    # Swagger UI is a developer tool we ship, not a member's page: its own colours are not held to axe here.
    await shot_only(page, "api-docs")
    assert outside == []
    await context.close()
