"""Every response says what the browser may do with it (issue 15, item 8; docs/security.md): a CSP with
no inline script and no framing, nosniff, a Referrer-Policy; passes are never kept by a cache; a route
with a policy of its own gets it (the CMI checkout page may post its form to CMI's gateway)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from estivage.app import create_app
from estivage.security import SecurityHeaders
from kernel.settings import Settings
from tests.conftest import Clock, hold, login


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def directives(response: Any) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_guarded(response: Any) -> None:
    csp = directives(response)
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no host
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


async def test_pages_problems_and_unknown_addresses_carry_the_security_headers(
    client: AsyncTestClient[Any],
) -> None:
    for response in (
        await client.get("/login"),
        await client.get("/api/centres"),
        await client.get("/api/me"),  # a 401 problem
        await client.get("/no/such/page"),  # an unrouted 404
        await client.get("/static/app.css"),
    ):
        assert_guarded(response)


async def test_a_pass_its_png_and_the_page_showing_it_are_never_stored_by_a_cache(
    client: AsyncTestClient[Any],
) -> None:
    member = await login(client, "M0001")
    booking = (await hold(client, member)).json()
    checkout = (
        await client.post(f"/api/bookings/{booking['id']}/checkout", json={"method": "card"}, headers=member)
    ).json()
    await client.post(checkout["redirect_url"] + "/confirm", headers=member)
    for path in (f"/api/bookings/{booking['id']}/pass", f"/api/bookings/{booking['id']}/pass.png"):
        response = await client.get(path, headers=member)
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store", path
        assert_guarded(response)
    page = await client.get(f"/bookings/{booking['id']}", headers=member)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    # The static files keep their own (public, an hour): only what did not say gets no-store.
    assert "max-age=3600" in (await client.get("/static/app.css")).headers["cache-control"]


def test_the_cmi_checkout_page_may_post_its_form_to_the_gateway_and_nowhere_else(settings: Settings) -> None:
    with_cmi = dataclasses.replace(settings, cmi_gateway_url="https://testpayment.cmi.co.ma/fim/est3Dgate")
    headers = SecurityHeaders(with_cmi)
    cmi = headers.csp_for("/payments/cmi/ORDER-1/go").decode()
    assert "form-action 'self' https://testpayment.cmi.co.ma;" in cmi
    assert "frame-ancestors 'none'" in cmi
    for other in ("/payments/cmi/ORDER-1", "/bookings", "/payments/cmi/ORDER-1/go/x"):
        assert "cmi.co.ma" not in headers.csp_for(other).decode(), other
    # Stripe.js only on the card page; the API docs (Swagger UI, served from here) live under the base policy.
    assert "https://js.stripe.com" in headers.csp_for("/bookings/b1/pay").decode()
    assert "js.stripe.com" not in headers.csp_for("/bookings/b1").decode()
    assert (
        headers.csp_for("/schema")
        == headers.csp_for("/schema/assets/swagger-ui-bundle.js")
        == headers.default
    )
    assert "'unsafe-inline'" not in headers.csp_for("/schema").decode()


async def test_the_cmi_checkout_page_is_served_with_its_own_policy(settings: Settings, clock: Clock) -> None:
    with_cmi = dataclasses.replace(
        settings,
        payments=("cmi",),
        cmi_client_id="600000001",
        cmi_store_key="TEST1234",
        cmi_gateway_url="https://testpayment.cmi.co.ma/fim/est3Dgate",
    )
    app: Litestar = create_app(with_cmi, clock=clock)
    async with AsyncTestClient(app=app) as client:
        member = await login(client, "M0001")
        booking = (await hold(client, member)).json()
        checkout = await client.post(
            f"/api/bookings/{booking['id']}/checkout", json={"method": "cmi"}, headers=member
        )
        assert checkout.status_code == 200, checkout.text
        order = checkout.json()["form"]["fields"]["oid"]
        page = await client.get(f"/payments/cmi/{order}/go", headers=member)
        assert page.status_code == 200, page.text
        assert directives(page)["form-action"] == ["'self'", "https://testpayment.cmi.co.ma"]
