"""A reference CMI merchant on loopback, built on nothing but payments.domain.cmi.

It is the shape the payments service takes, without the database, so that the simulator and the
protocol module can be tested together before the service is wired: a checkout page that
auto-submits the signed form, the callback that confirms each order at most once, and the okUrl /
failUrl pages, which show what the callback decided and never confirm anything themselves.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from kernel.money import Money
from payments.domain.cmi import (
    CallbackAnswer,
    CmiCheckout,
    CmiError,
    CmiStore,
    OrderDecision,
    answer_for,
    check_amount,
    checkout_fields,
    form_fields,
    parse_callback,
)
from tests.support.cmi_simulator import serve_on_loopback


@dataclass
class Merchant:
    store: CmiStore
    gateway_url: str
    url: str = ""
    orders: dict[str, Money] = field(default_factory=dict)
    forms: dict[str, dict[str, str]] = field(default_factory=dict)
    confirmed: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)

    def checkout(self, order_id: str, amount: Money, lang: str = "fr") -> dict[str, str]:
        """Record an order and return the signed form its checkout page posts to CMI."""
        self.orders[order_id] = amount
        payer = ("Fatima Benali", "m0042@members.estivage.example")
        urls = (f"{self.url}/ok", f"{self.url}/fail", f"{self.url}/callback", f"{self.url}/shop")
        order = CmiCheckout(order_id, amount, lang, *urls, *payer)
        self.forms[order_id] = checkout_fields(self.store, order, f"rnd-{order_id}")
        return self.forms[order_id]

    def answer(self, body: bytes) -> CallbackAnswer:
        try:
            callback = parse_callback(form_fields(body), self.store)
            check_amount(callback, self.orders[callback.order_id])
        except CmiError as refused:
            self.refusals.append(refused.code)
            return CallbackAnswer.FAILURE
        if callback.approved and callback.order_id not in self.confirmed:
            self.confirmed.append(callback.order_id)
        return answer_for(callback, OrderDecision.CONFIRMED)

    def checkout_page(self, order_id: str) -> str:
        inputs = "".join(
            f'<input type="hidden" name="{html.escape(n)}" value="{html.escape(v)}">'
            for n, v in self.forms[order_id].items()
        )
        return (
            f'<!doctype html><form id="pay" method="post" action="{html.escape(self.gateway_url)}">{inputs}'
            "<button>Pay by card</button></form><script>document.getElementById('pay').submit()</script>"
        )

    def return_page(self, fields: dict[str, str]) -> str:
        """What okUrl / failUrl show: the callback's decision, whatever the browser brought."""
        order_id = fields.get("oid", "")
        state = "confirmed" if order_id in self.confirmed else "not confirmed"
        return f'<!doctype html><h1>Back at the shop</h1><p id="state">{html.escape(order_id)} {state}</p>'


@contextlib.contextmanager
def reference_merchant(store: CmiStore, gateway_url: str) -> Iterator[Merchant]:
    merchant = Merchant(store, gateway_url)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            """Quiet."""

        def _send(self, body: str, content_type: str = "text/html; charset=utf-8") -> None:
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._send(merchant.checkout_page(self.path.removeprefix("/checkout/")))

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/callback":
                self._send(merchant.answer(body), "text/plain")
            else:  # /ok or /fail: show, never confirm
                self._send(merchant.return_page(form_fields(body)))

    with serve_on_loopback(Handler) as url:
        merchant.url = url
        yield merchant
