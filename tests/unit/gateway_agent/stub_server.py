"""A gate's server on loopback that answers what a test tells it to: the odd answers a real network
gives (a captive portal's login page, a half-deployed server, a refused batch) that the real server
never would. The agent talks to it over real HTTP, exactly as to the real server."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b"{}"
    content_type: str = "application/json"


def json_answer(document: Any, status: int = 200) -> Answer:
    return Answer(status, json.dumps(document).encode())


CAPTIVE_PORTAL = Answer(200, b"<html><body><form>Wi-Fi login</form></body></html>", "text/html")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: Any  # the JSON sent, or None


Route = Callable[[Request], Answer]


def accept_every_event(request: Request) -> Answer:
    return json_answer({"accepted": len(request.body["events"]), "duplicates": 0})


@dataclass
class StubServer:
    """Routes are ``"METHOD /path"`` (no query) to an answer or a function of the request."""

    public_key: str
    routes: dict[str, Answer | Route] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        # A well-behaved server by default; each test replaces the routes it is about.
        self.routes = {
            "GET /api/access/device": json_answer(
                {
                    "device_id": str(uuid.uuid4()),
                    "centre": "ifrane",
                    "name": "Entrée",
                    "time_zone": "Africa/Casablanca",
                }
            ),
            "GET /api/access/keys": json_answer(
                {"keys": [{"kid": "k1", "alg": "Ed25519", "public_key": self.public_key}]}
            ),
            "GET /api/access/revocations": json_answer({"revoked": [], "cursor": 0}),
            "POST /api/access/scans": accept_every_event,
            "GET /api/access/roster": json_answer({"days": 3, "stays": []}),
            "GET /api/access/scan-feed": json_answer({"events": [], "cursor": 0}),
            "POST /api/access/device/report": json_answer(
                {"server_time": "2026-12-21T09:00:00Z", "clock_offset_seconds": 0.0}
            ),
            **self.routes,
        }

    def answer(self, request: Request) -> Answer:
        self.requests.append(request)
        route = self.routes.get(f"{request.method} {request.path}", Answer(404, b'{"status": 404}'))
        return route if isinstance(route, Answer) else route(request)


def _handler(stub: StubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            answer = stub.answer(Request(self.command, self.path.split("?")[0], body))
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        do_GET = do_POST = _serve  # noqa: N815 - http.server's naming

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler


@contextmanager
def stub_server(public_key: str) -> Iterator[StubServer]:
    stub = StubServer(public_key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="stub-server", daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
