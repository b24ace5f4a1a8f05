"""A CMI-protocol simulator: a real HTTP server on loopback that plays CMI's hosted payment page.

CMI's test platform cannot be reached from here, so the tests start this instead. It does what
CMI's "3D_PAY_HOSTING" gateway does, as the public integration guides describe it (docs/cmi.md):

- ``POST /fim/est3Dgate``: the member's browser posts the merchant's signed form. The HASH is checked
  as CMI does (version 3); a bad one, an unknown store or an order already paid gets a page saying so.
- A card page (in the form's ``lang``: ar, fr or en). Card numbers: ``APPROVING_CARDS`` (CMI's public
  test cards) are authorised, ``DECLINING_CARD`` is refused (``05``), any other is refused (``14``).
- ``POST /fim/pay/<session>``: the card is submitted. The simulator POSTs the signed callback
  (form-encoded) to the merchant's ``callbackUrl``, reads the merchant's one-line answer and records
  it; ``ACTION=POSTAUTH`` after an authorisation captures the money. Then it sends the browser back
  to ``okUrl`` (authorised) or ``failUrl`` (refused) with the same signed fields, as an auto-submitted
  POST form, which is how CMI returns the member.

Hooks for tests: ``answers`` (every merchant answer), ``refusals`` (forms refused at the gateway),
``replay_callback`` (a duplicate), ``send_tampered_callback`` (changed fields, original HASH),
``send_signed_callback`` (changed fields signed again with the store key), ``record_refund`` (staff
refunding in CMI's back office) and ``export_csv`` (the back office's transaction export).

The simulator computes the hash with its own few lines, written from the guides in the shape of
CMI's PHP kit rather than by importing payments.domain.cmi: the test of the module against the
simulator would otherwise check the module against itself.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import html
import io
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

CASABLANCA = ZoneInfo("Africa/Casablanca")
APPROVING_CARDS = {"4000000000000010": "VISA", "5453010000066100": "MASTERCARD"}
DECLINING_CARD = "4000000000000002"
REQUIRED = ("clientid", "oid", "amount", "currency", "okUrl", "failUrl", "callbackUrl", "rnd", "HASH")
TEXTS = {
    "ar": ("الدفع الآمن", "رقم البطاقة", "تاريخ الانتهاء", "الرمز", "ادفع", "المبلغ"),
    "fr": ("Paiement sécurisé", "Numéro de carte", "Expiration", "Cryptogramme", "Payer", "Montant"),
    "en": ("Secure payment", "Card number", "Expiry", "CVV", "Pay", "Amount"),
}


def cmi_kit_hash(fields: dict[str, str], store_key: str) -> str:
    """Hash version 3 in the shape of CMI's PHP kit: sort names without case, skip hash/encoding."""
    plain = ""
    for name in sorted(fields, key=lambda name: name.lower()):
        if name.lower() in ("hash", "encoding"):
            continue
        plain += fields[name].replace("\\", "\\\\").replace("|", "\\|") + "|"
    plain += store_key.replace("\\", "\\\\").replace("|", "\\|")
    return base64.b64encode(hashlib.sha512(plain.encode("utf-8")).digest()).decode("ascii")


@dataclass
class MerchantAnswer:
    order_id: str
    why: str  # "payment", "replay", "tampered" or "signed"
    fields: dict[str, str]  # the callback as posted
    status: int | None  # the merchant's HTTP status; None when it could not be reached
    body: str  # the answer, stripped (``ACTION=POSTAUTH``, ``APPROVED``, ``FAILURE``...)


@dataclass
class Transaction:
    order_id: str
    transaction_id: str
    kind: str  # PreAuth, PostAuth, Credit
    response: str  # Approved or Declined
    amount: str  # as CMI shows it: 1250.00
    at: datetime
    auth_code: str = ""
    masked_pan: str = ""


@dataclass
class _Session:
    form: dict[str, str]
    callbacks: list[dict[str, str]] = field(default_factory=list)


class CmiSimulator:
    def __init__(self, client_id: str, store_key: str, clock: Callable[[], datetime] | None = None) -> None:
        self.client_id, self.store_key = client_id, store_key
        self.clock = clock or (lambda: datetime.now(CASABLANCA))
        self.url = ""
        self.answers: list[MerchantAnswer] = []
        self.refusals: list[str] = []
        self.transactions: list[Transaction] = []
        self._sessions: dict[str, _Session] = {}
        self._callbacks: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    @property
    def gateway_url(self) -> str:
        return self.url + "/fim/est3Dgate"

    # --- what the gateway does -------------------------------------------------------------------

    def open_session(self, form: dict[str, str]) -> str:
        """The session id of a form CMI would accept; ``ValueError`` saying why it would not."""
        missing = [name for name in REQUIRED if not form.get(name)]
        if missing:
            raise ValueError(f"Missing parameters: {', '.join(missing)}")
        if form["clientid"] != self.client_id:
            raise ValueError("Unknown merchant (clientid)")
        if form.get("hashAlgorithm") != "ver3" or form.get("storetype") != "3D_PAY_HOSTING":
            raise ValueError("Unsupported hashAlgorithm or storetype")
        if not secrets.compare_digest(cmi_kit_hash(form, self.store_key).encode(), form["HASH"].encode()):
            raise ValueError("Security alert: the digital signature is not valid (HASH mismatch)")
        with self._lock:
            if any(t.order_id == form["oid"] and t.response == "Approved" for t in self.transactions):
                raise ValueError("This order has already been paid (duplicate oid)")
            session = secrets.token_urlsafe(12)
            self._sessions[session] = _Session(dict(form))
        return session

    def pay(self, session: str, card_number: str) -> dict[str, str]:
        """Authorise (or refuse) a card, call the merchant back, and return the signed result fields."""
        with self._lock:
            form = self._sessions.pop(session).form
        brand = APPROVING_CARDS.get(card_number)
        code = "00" if brand else ("05" if card_number == DECLINING_CARD else "14")
        now = self.clock()
        result = {name: value for name, value in form.items() if name != "HASH"}
        result.update(
            {
                "ProcReturnCode": code,
                "Response": "Approved" if brand else "Declined",
                "TransId": now.strftime("%y%j") + secrets.token_hex(4).upper(),
                "AuthCode": f"{secrets.randbelow(10**6):06d}" if brand else "",
                "HostRefNum": f"{secrets.randbelow(10**12):012d}",
                "ErrMsg": "" if brand else f"Declined ({code})",
                "mdStatus": "1",
                "EXTRA.TRXDATE": now.strftime("%Y%m%d %H:%M:%S"),
                "EXTRA.CARDBRAND": brand or "VISA",
                "MaskedPan": card_number[:6] + "***" + card_number[-4:],
                "rnd": secrets.token_urlsafe(15),
            }
        )
        result["HASH"] = cmi_kit_hash(result, self.store_key)
        with self._lock:
            self._callbacks[form["oid"]] = result
            self.transactions.append(
                Transaction(
                    form["oid"],
                    result["TransId"],
                    "PreAuth",
                    result["Response"],
                    form["amount"],
                    now,
                    result["AuthCode"],
                    result["MaskedPan"],
                )
            )
        answer = self.send_callback(result, "payment")
        if brand and answer.body == "ACTION=POSTAUTH":
            self._capture(form["oid"])
        return result

    def _capture(self, order_id: str) -> None:
        with self._lock:
            if any(t.order_id == order_id and t.kind == "PostAuth" for t in self.transactions):
                return  # CMI captures a pre-authorisation once, whatever the merchant says again
            auth = next(t for t in self.transactions if t.order_id == order_id and t.response == "Approved")
            self.transactions.append(
                Transaction(
                    order_id,
                    auth.transaction_id,
                    "PostAuth",
                    "Approved",
                    auth.amount,
                    self.clock(),
                    auth.auth_code,
                    auth.masked_pan,
                )
            )

    def has_session(self, session: str) -> bool:
        with self._lock:
            return session in self._sessions

    # --- hooks for tests -------------------------------------------------------------------------

    def send_callback(self, fields: dict[str, str], why: str) -> MerchantAnswer:
        """POST ``fields`` as they are to the merchant's callbackUrl and record the answer."""
        data = urllib.parse.urlencode(fields).encode("utf-8")
        request = urllib.request.Request(
            fields["callbackUrl"],
            data=data,
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, body = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read().decode("utf-8", "replace")
        except OSError as error:
            status, body = None, f"unreachable: {error}"
        answer = MerchantAnswer(fields.get("oid", ""), why, dict(fields), status, body.strip())
        with self._lock:
            self.answers.append(answer)
        return answer

    def callback_of(self, order_id: str) -> dict[str, str]:
        with self._lock:
            return dict(self._callbacks[order_id])

    def replay_callback(self, order_id: str) -> MerchantAnswer:
        """The same signed callback again, as CMI retries it."""
        answer = self.send_callback(self.callback_of(order_id), "replay")
        if answer.body == "ACTION=POSTAUTH" and self.callback_of(order_id)["Response"] == "Approved":
            self._capture(order_id)
        return answer

    def send_tampered_callback(self, order_id: str, **changes: str) -> MerchantAnswer:
        """The order's callback with some fields changed and its original HASH: a forgery."""
        return self.send_callback({**self.callback_of(order_id), **changes}, "tampered")

    def send_signed_callback(self, order_id: str, **changes: str) -> MerchantAnswer:
        """The order's callback with some fields changed, signed again with the store key."""
        fields = {**self.callback_of(order_id), **changes}
        fields["HASH"] = cmi_kit_hash(fields, self.store_key)
        return self.send_callback(fields, "signed")

    def answers_for(self, order_id: str) -> list[str]:
        with self._lock:
            return [answer.body for answer in self.answers if answer.order_id == order_id]

    def record_refund(self, order_id: str, amount: str) -> None:
        """Staff refund ``amount`` (``250.00``) of a captured order in CMI's back office."""
        with self._lock:
            paid = next(t for t in self.transactions if t.order_id == order_id and t.kind == "PostAuth")
            self.transactions.append(
                Transaction(
                    order_id,
                    secrets.token_hex(6).upper(),
                    "Credit",
                    "Approved",
                    amount,
                    self.clock(),
                    masked_pan=paid.masked_pan,
                )
            )

    def export_csv(self) -> str:
        """The back office's transaction export: one line per transaction, ``;``-separated, CRLF."""
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(
            [
                "Order ID",
                "Trans ID",
                "Date",
                "Type",
                "Response",
                "Amount",
                "Currency",
                "Auth Code",
                "Card Number",
            ]
        )
        with self._lock:
            for t in self.transactions:
                writer.writerow(
                    [
                        t.order_id,
                        t.transaction_id,
                        t.at.strftime("%d/%m/%Y %H:%M:%S"),
                        t.kind,
                        t.response,
                        t.amount,
                        "MAD",
                        t.auth_code,
                        t.masked_pan,
                    ]
                )
        return out.getvalue()


def _page(title: str, body: str, lang: str = "en") -> bytes:
    direction = "rtl" if lang == "ar" else "ltr"
    return (
        f'<!doctype html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    ).encode()


def _card_page(simulator: CmiSimulator, session: str, form: dict[str, str]) -> bytes:
    lang = form.get("lang", "fr") if form.get("lang") in TEXTS else "fr"
    title, card, expiry, cvv, pay, amount = TEXTS[lang]
    return _page(
        title,
        f"<p>{amount}: <output id=amount>{html.escape(form['amount'])}</output> MAD</p>"
        f'<form method="post" action="/fim/pay/{session}">'
        f'<label>{card} <input name="pan" inputmode="numeric" autocomplete="cc-number"></label>'
        f'<label>{expiry} <input name="expiry" value="12/30"></label>'
        f'<label>{cvv} <input name="cvv" value="000"></label>'
        f'<button type="submit">{pay}</button></form>'
        f'<p><a href="{html.escape(form.get("shopurl", ""))}">{simulator.client_id}</a></p>',
        lang,
    )


def _return_page(result: dict[str, str]) -> bytes:
    """CMI returns the browser with a POST of the signed fields, submitted by script."""
    target = result["okUrl"] if result["ProcReturnCode"] == "00" else result["failUrl"]
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in result.items()
    )
    return _page(
        "Redirection",
        f'<form id="back" method="post" action="{html.escape(target)}">{inputs}'
        '<button type="submit">Return to the shop</button></form>'
        "<script>document.getElementById('back').submit()</script>",
        result.get("lang", "en"),
    )


def _handler(simulator: CmiSimulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the tests read the hooks, not a log."""

        def _send(self, status: HTTPStatus, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _form(self) -> dict[str, str]:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
            return dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))

        def do_POST(self) -> None:
            form = self._form()
            if self.path == "/fim/est3Dgate":
                try:
                    session = simulator.open_session(form)
                except ValueError as refused:
                    simulator.refusals.append(str(refused))
                    self._send(
                        HTTPStatus.BAD_REQUEST, _page("Payment refused", f"<p>{html.escape(str(refused))}")
                    )
                    return
                self._send(HTTPStatus.OK, _card_page(simulator, session, form))
            elif self.path.startswith("/fim/pay/"):
                session = self.path.removeprefix("/fim/pay/")
                if not simulator.has_session(session):
                    self._send(HTTPStatus.GONE, _page("Session expired", "<p>This payment page has expired."))
                    return
                self._send(
                    HTTPStatus.OK, _return_page(simulator.pay(session, form.get("pan", "").replace(" ", "")))
                )
            else:
                self._send(HTTPStatus.NOT_FOUND, _page("Not found", ""))

    return Handler


@contextlib.contextmanager
def serve_on_loopback(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on 127.0.0.1 (a free port) in a thread until the block ends; yield its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    # A short poll: shutdown() waits for it, and the tests start servers one after the other.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name=handler.__name__, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextlib.contextmanager
def cmi_simulator(
    client_id: str = "600000001", store_key: str = "TEST1234", clock: Callable[[], datetime] | None = None
) -> Iterator[CmiSimulator]:
    """Serve a simulator until the block ends."""
    simulator = CmiSimulator(client_id, store_key, clock)
    with serve_on_loopback(_handler(simulator)) as url:
        simulator.url = url
        yield simulator
