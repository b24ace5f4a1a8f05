"""Card payment providers behind one small interface: Stripe, CMI, and a built-in test mode.

- Stripe: PaymentIntents through the official SDK; the money is taken when the member confirms, and
  Stripe's webhook tells us (re-read from Stripe before acting).
- CMI (Moroccan bank cards): the member's browser posts a signed form to CMI's hosted page; CMI
  pre-authorises the card and calls us back; we capture by answering ``ACTION=POSTAUTH``
  (``payments.domain.cmi``, docs/cmi.md). Nothing is taken until we say so, and CMI offers no refund
  call we can use: a refund is made by staff in CMI's back office and recorded here.
- Test mode: no money moves; the member confirms on a page of the service marked TEST MODE. Only when
  ``ESTIVAGE_PAYMENTS=test`` is said (``estivage serve`` refuses to fall back to it silently).

Intents live in the payments table (``provider_ref``), so nothing here keeps state of its own.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Protocol

from kernel.codes import ErrorCode
from kernel.errors import RuleViolation
from kernel.money import MAD, Money
from kernel.settings import Settings, SettingsError
from payments.domain import cmi
from payments.domain.states import Provider


@dataclass(frozen=True, slots=True)
class Intent:
    ref: str
    client_secret: str | None
    redirect_url: str | None


@dataclass(frozen=True, slots=True)
class IntentState:
    ref: str
    status: str  # succeeded | processing | requires_payment_method | canceled ...
    amount: Money
    booking_id: str | None


class CardProvider(Protocol):
    name: str
    # True when the provider only reserves the money until we answer (CMI's pre-authorisation): money
    # we will not take is released, never refunded.
    pre_authorises: bool

    async def create_intent(self, amount: Money, booking_id: uuid.UUID, idempotency_key: str) -> Intent: ...

    async def refund(self, ref: str, amount: Money, idempotency_key: str) -> str | None:
        """The provider's refund id; None when staff make the refund in the provider's back office."""
        ...

    async def cancel(self, ref: str) -> None:
        """Give up an intent that was never paid (its hold lapsed); raises when the provider refuses."""
        ...


class IntentReader(Protocol):
    """A provider that can be asked about an intent (Stripe, and the test mode)."""

    name: str

    async def retrieve(self, ref: str) -> IntentState: ...


class TestModeProvider:
    """No money moves: the member confirms on a page of the service marked TEST MODE."""

    __test__ = False  # not a pytest test class
    name: str = Provider.TEST
    pre_authorises: bool = False

    async def create_intent(self, amount: Money, booking_id: uuid.UUID, idempotency_key: str) -> Intent:
        del amount, idempotency_key
        ref = f"test_pi_{uuid.uuid4().hex}"
        return Intent(
            ref, f"{ref}_secret_{secrets.token_urlsafe(12)}", f"/payments/test/{ref}?booking={booking_id}"
        )

    async def retrieve(self, ref: str) -> IntentState:
        # Test-mode intents are confirmed by the page itself, which is the source of truth.
        return IntentState(ref, "succeeded", Money(0, MAD), None)

    async def refund(self, ref: str, amount: Money, idempotency_key: str) -> str | None:
        del amount, idempotency_key
        return f"test_re_{ref.removeprefix('test_pi_')}"

    async def cancel(self, ref: str) -> None:
        """The payment row says cancelled; the test page refuses it from then on."""


class StripeProvider:
    """Stripe PaymentIntents in MAD through the official SDK, asynchronous; STRIPE_API_BASE points it at a
    Stripe-compatible server (the tests use localstripe on loopback)."""

    name: str = Provider.STRIPE
    pre_authorises: bool = False

    def __init__(self, api_key: str, api_base: str | None = None) -> None:
        import stripe  # noqa: PLC0415 - only deployments with a Stripe key load the SDK

        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else {},
            http_client=stripe.HTTPXClient(),
            max_network_retries=2,
        )

    async def create_intent(self, amount: Money, booking_id: uuid.UUID, idempotency_key: str) -> Intent:
        intent = await self._client.v1.payment_intents.create_async(
            params={
                "amount": amount.amount_minor,
                "currency": amount.currency.lower(),
                "metadata": {"booking_id": str(booking_id)},
            },
            options={"idempotency_key": idempotency_key},
        )
        return Intent(intent.id, intent.client_secret, None)

    async def retrieve(self, ref: str) -> IntentState:
        intent = await self._client.v1.payment_intents.retrieve_async(ref)
        metadata = intent.metadata.to_dict() if intent.metadata else {}
        return IntentState(
            intent.id,
            intent.status,
            Money(intent.amount, intent.currency.upper()),
            metadata.get("booking_id"),
        )

    async def refund(self, ref: str, amount: Money, idempotency_key: str) -> str | None:
        refund = await self._client.v1.refunds.create_async(
            params={"payment_intent": ref, "amount": amount.amount_minor},
            options={"idempotency_key": idempotency_key},
        )
        return refund.id

    async def cancel(self, ref: str) -> None:
        # Stripe refuses to cancel an intent that succeeded meanwhile: that money then arrives as late
        # money (payments.late_money) and takes the stay again or goes back at once.
        await self._client.v1.payment_intents.cancel_async(ref)


@dataclass(frozen=True, slots=True)
class CmiForm:
    action: str  # CMI's gateway: the browser posts the fields there
    fields: dict[str, str]


@dataclass(frozen=True, slots=True)
class CmiReturn:
    """Where CMI sends the member and the result, built on the service's public address."""

    ok_url: str
    fail_url: str
    callback_url: str
    shop_url: str

    @classmethod
    def on(cls, base_url: str, booking_id: uuid.UUID) -> CmiReturn:
        base = base_url.rstrip("/")
        return cls(
            ok_url=f"{base}/payments/cmi/ok",
            fail_url=f"{base}/payments/cmi/fail",
            callback_url=f"{base}/api/payments/cmi/callback",
            shop_url=f"{base}/bookings/{booking_id}",
        )


class CmiProvider:
    """CMI's hosted payment page (3D_PAY_HOSTING, hash version 3), as docs/cmi.md describes it.

    An intent is one order id (``oid``): a fresh random one per attempt, since CMI wants a new order id
    for each transaction. The signed form is made when the member's page is shown (a fresh ``rnd``, the
    member's language), not stored."""

    name: str = Provider.CMI
    pre_authorises: bool = True

    def __init__(self, client_id: str, store_key: str, gateway_url: str) -> None:
        self.store = cmi.CmiStore(client_id, store_key)
        self.gateway_url = gateway_url

    async def create_intent(self, amount: Money, booking_id: uuid.UUID, idempotency_key: str) -> Intent:
        del amount, booking_id, idempotency_key
        order_id = uuid.uuid4().hex
        return Intent(order_id, None, f"/payments/cmi/{order_id}/go")

    async def refund(self, ref: str, amount: Money, idempotency_key: str) -> str | None:
        # CMI's refund API needs an API user CMI grants per merchant, and cannot be tested from here:
        # staff refund in CMI's back office and record CMI's transaction id (docs/cmi.md, "Refunds").
        del ref, amount, idempotency_key
        return None

    async def cancel(self, ref: str) -> None:
        # Nothing to call: an order whose form was never paid simply lapses at CMI, and a pre-authorisation
        # that still comes for it is answered FAILURE (never captured) unless the stay can be taken again.
        del ref

    def form(
        self,
        order_id: str,
        amount: Money,
        *,
        lang: str,
        urls: CmiReturn,
        payer: tuple[str, str],
        rnd: str,
    ) -> CmiForm:
        """The signed fields the member's browser posts to CMI; ``payer`` is (name, e-mail)."""
        checkout = cmi.CmiCheckout(
            order_id, amount, lang, urls.ok_url, urls.fail_url, urls.callback_url, urls.shop_url, *payer
        )
        return CmiForm(self.gateway_url, cmi.checkout_fields(self.store, checkout, rnd))


@dataclass(frozen=True, slots=True)
class Providers:
    """The card providers in use (ESTIVAGE_PAYMENTS), in the order the pages offer them."""

    offered: tuple[CardProvider, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(provider.name for provider in self.offered)

    @property
    def card(self) -> CardProvider:
        """The provider of ``{method: "card"}``: the first one offered."""
        return self.offered[0]

    def named(self, name: str) -> CardProvider:
        """The provider of that name; 422 when this service does not take payments through it."""
        for provider in self.offered:
            if provider.name == name:
                return provider
        raise RuleViolation(
            ErrorCode.PAYMENT_METHOD_UNAVAILABLE, f"payments by {name} are not taken here", field="method"
        )

    def of_payment(self, name: str) -> CardProvider | None:
        """The provider that moved a recorded payment, if it is still configured."""
        return next((provider for provider in self.offered if provider.name == name), None)

    @property
    def stripe(self) -> StripeProvider | None:
        return next((p for p in self.offered if isinstance(p, StripeProvider)), None)

    @property
    def cmi(self) -> CmiProvider | None:
        return next((p for p in self.offered if isinstance(p, CmiProvider)), None)

    @property
    def intent_readers(self) -> tuple[IntentReader, ...]:
        """The providers whose intents can be read back (Stripe, the test mode): ``estivage reconcile``."""
        return tuple(p for p in self.offered if isinstance(p, StripeProvider | TestModeProvider))

    @property
    def test_mode(self) -> bool:
        return any(isinstance(p, TestModeProvider) for p in self.offered)


def providers_from(settings: Settings) -> Providers:
    """The providers ``settings.card_providers`` names, built; ``SettingsError`` when one lacks its keys."""
    problems = settings.payment_problems()
    if problems:
        raise SettingsError("; ".join(problems))
    built: list[CardProvider] = []
    for name in settings.card_providers:
        if name == Provider.STRIPE and settings.stripe_api_key:
            built.append(StripeProvider(settings.stripe_api_key, settings.stripe_api_base))
        elif name == Provider.CMI and settings.cmi_client_id and settings.cmi_store_key:
            gateway = settings.cmi_gateway_url or ""
            built.append(CmiProvider(settings.cmi_client_id, settings.cmi_store_key, gateway))
        elif name == Provider.TEST:
            built.append(TestModeProvider())
    return Providers(tuple(built))
