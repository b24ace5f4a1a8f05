"""The composition root's wiring of the domains to each other: which providers move card money, and who
handles which domain event (``kernel.events``). The app, the worker and the commands build the same
handlers here, so a cancellation refunds and revokes whichever door it came in by."""

from __future__ import annotations

import logging

from access import passes
from accounts.events import AccountAccessChanged
from accounts.tokens import AccountStates
from booking.events import (
    BookingCancelled,
    HoldsLapsed,
    PartyNamed,
    StayCheckedIn,
    StayEndedEarly,
    StayNoShow,
)
from estivage import observability
from kernel.events import EventHandlers
from kernel.settings import Settings
from kernel.uow import UnitOfWork
from notifications import handlers as mail_handlers
from notifications.handlers import MailConfig
from payments import late_money, refunds
from payments.events import PaymentsCancelled
from payments.providers import Providers, providers_from

logger = logging.getLogger("estivage")

TEST_MODE_WARNING = (
    "CARD PAYMENTS ARE IN TEST MODE (ESTIVAGE_PAYMENTS=test): no money moves, and any member confirms "
    "their own stays on a test page. Never run a real service like this."
)


def payment_providers(settings: Settings) -> Providers:
    """The card providers of ESTIVAGE_PAYMENTS (Stripe, CMI, or the test mode), built once per process;
    ``SettingsError`` when one lacks its settings. The test mode is said loudly at every start."""
    providers = providers_from(settings)
    if providers.test_mode:
        logger.warning(TEST_MODE_WARNING)
    return providers


def event_handlers(
    providers: Providers, *, mail: MailConfig, account_states: AccountStates | None = None
) -> EventHandlers:
    """Who handles what; ``mail`` is what the outbox's messages need (``estivage.mail.mail_config``);
    ``account_states`` is the app's cache of what requests are checked against (none in a command or the
    worker: the cache's few seconds cover what they change)."""
    handlers = EventHandlers()

    async def refund(uow: UnitOfWork, event: BookingCancelled) -> None:
        await refunds.refund_cancelled(uow, providers, event)

    async def cancel_intents(event: PaymentsCancelled) -> None:
        await late_money.cancel_at_providers(providers, event)

    handlers.in_transaction(BookingCancelled, refund)

    async def refund_early(uow: UnitOfWork, event: StayEndedEarly) -> None:
        await refunds.refund_ended_early(uow, providers, event)

    handlers.in_transaction(StayEndedEarly, refund_early)
    handlers.in_transaction(BookingCancelled, passes.revoke_on_cancel)
    handlers.in_transaction(StayNoShow, passes.revoke_on_no_show)
    handlers.in_transaction(HoldsLapsed, late_money.give_up_lapsed)
    handlers.after_commit(PaymentsCancelled, cancel_intents)

    async def reissue_pass(uow: UnitOfWork, event: PartyNamed) -> None:
        await passes.reissue_on_party_change(uow, event, mail.keys_path)

    handlers.in_transaction(PartyNamed, reissue_pass)

    async def pass_after_no_show(uow: UnitOfWork, event: StayCheckedIn) -> None:
        await passes.reissue_after_no_show(uow, event, mail.keys_path)

    handlers.in_transaction(StayCheckedIn, pass_after_no_show)
    mail_handlers.subscribe(handlers, mail)  # the outbox: a message row in the transaction of each event
    if account_states is not None:
        states = account_states

        async def forget(event: AccountAccessChanged) -> None:
            await states.forget(event.account_id)

        handlers.after_commit(AccountAccessChanged, forget)
    observability.count_business_events(handlers)
    return handlers
