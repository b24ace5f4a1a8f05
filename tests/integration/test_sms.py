"""The SMS channel's HTTP adapter against a small real HTTP server on loopback: the template filled
(JSON-escaped in the body, URL-quoted in the URL), a 4xx final, a 5xx or no server tried again."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from notifications.sms import HttpSms
from notifications.transports import Outgoing, Refused, Unreachable
from tests.support.smtp import free_port


class Gateway(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []
    answer = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Gateway.received.append((self.path, body))
        self.send_response(Gateway.answer)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def gateway() -> Iterator[str]:
    Gateway.received, Gateway.answer = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


SMS = Outgoing(
    id="1", kind="booking_confirmed", recipient="+212 661 23 45 67", content='تم "ok"'.encode(), stamp="x"
)


async def test_the_gateway_gets_the_number_and_the_text_as_the_template_says(gateway: str) -> None:
    sms = HttpSms(gateway + "/send?to={to}", '{"to": "{to}", "text": "{text}", "sender": "Estivage"}')
    try:
        await sms.send(SMS)
    finally:
        await sms.close()
    [(path, body)] = Gateway.received
    assert path == "/send?to=%2B212%20661%2023%2045%2067"
    assert json.loads(body) == {"to": "+212 661 23 45 67", "text": 'تم "ok"', "sender": "Estivage"}


async def test_a_4xx_is_final_and_a_5xx_is_tried_again(gateway: str) -> None:
    sms = HttpSms(gateway, '{"to": "{to}", "text": "{text}"}')
    try:
        Gateway.answer = 400
        with pytest.raises(Refused):
            await sms.send(SMS)
        Gateway.answer = 503
        with pytest.raises(Unreachable):
            await sms.send(SMS)
    finally:
        await sms.close()


async def test_no_gateway_is_tried_again() -> None:
    sms = HttpSms(f"http://127.0.0.1:{free_port()}", "{text}")
    try:
        with pytest.raises(Unreachable):
            await sms.send(SMS)
    finally:
        await sms.close()
