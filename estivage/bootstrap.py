"""The composition root's wiring of the domains to each other: which provider moves card money, and who
handles which domain event (``kernel.events``). The app, the worker and the commands build the same
handlers here, so a cancellation refunds and revokes whichever door it came in by."""

from __future__ import annotations

from pathlib import Path

from access import passes
from accounts.contact.events import EmailChangeCodeIssued
from booking.events import BookingCancelled, PartyNamed
from estivage import code_mail, observability
from kernel.events import EventHandlers
from kernel.settings import Settings
from kernel.uow import UnitOfWork
from payments import services as payments
from payments.providers import CardProvider, StripeProvider, TestModeProvider


def card_provider(settings: Settings) -> CardProvider:
    """Stripe when a key is configured; otherwise the built-in test mode, so the demo pays offline."""
    if settings.stripe_api_key:
        return StripeProvider(settings.stripe_api_key, settings.stripe_api_base)
    return TestModeProvider()


def event_handlers(provider: CardProvider, *, mail_outbox: Path) -> EventHandlers:
    """Who handles what; ``mail_outbox`` is where the stand-in mail writes its messages
    (``estivage.code_mail``, until the mail outbox replaces it)."""
    handlers = EventHandlers()

    async def refund(uow: UnitOfWork, event: BookingCancelled) -> None:
        await payments.refund_cancelled(uow, provider, event)

    handlers.in_transaction(BookingCancelled, refund)
    handlers.in_transaction(BookingCancelled, passes.revoke_on_cancel)
    handlers.in_transaction(PartyNamed, passes.revoke_on_party_change)
    handlers.after_commit(EmailChangeCodeIssued, code_mail.writer(mail_outbox))
    observability.count_business_events(handlers)
    return handlers
