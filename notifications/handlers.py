"""In-transaction handlers (``kernel.events``) that write the outbox: each runs in the transaction of the
event it hears, so its message is committed with what it tells, or rolled back with it.

``subscribe(handlers, config)`` is the wiring (``estivage.bootstrap`` calls it). ``CodeMail.issued`` is
one handler for any event that carries a one-time code (an e-mail change, an activation, a password
reset): anything with ``address``, ``code``, ``minutes``, ``language`` and, optionally, ``purpose`` and
``account_id``::

    handlers.in_transaction(AccountCodeIssued, CodeMail(config).issued)
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select

from access.events import PassReissued
from access.passes import card_of, current_pass
from access.render import render_png
from accounts.contact.events import EmailChangeCodeIssued
from accounts.events import AccountCodeIssued
from accounts.models import User
from booking.campaigns.events import OfferDeadlinesNear, OffersLapsed, OffersMade, SummerDrawn
from booking.events import BookingCancelled, BookingConfirmed, StayEndedEarly
from booking.services import booking_view
from kernel.events import EventHandlers
from kernel.i18n import Translator, translator
from kernel.uow import UnitOfWork
from notifications import facts, letters
from notifications.calendar import stay_ics
from notifications.compose import Letter
from notifications.domain.delivery import Channel
from notifications.outbox import enqueue
from notifications.summer import SummerMail
from payments.events import HoldLostRefunded, HoldLostReleased

logger = logging.getLogger("estivage.mail")


@dataclass(frozen=True, slots=True)
class MailConfig:
    """What the messages need from the settings: the pass keys (a confirmation carries the pass) and
    the address members reach the site at (links in the messages)."""

    keys_path: Path
    public_url: str
    sms: bool = False


# The words of a letter about one stay, given the member's translator, name and the stay's facts.
Write = Callable[[Translator, str, facts.StayFacts], Letter]


# Where each purpose's code is typed: the code pages of ``estivage.web.account_codes`` (they prefill the
# username from the query), and the member's own page for a new e-mail address (behind their login).
CODE_PAGES = {
    "activation": "/activate/code",
    "reset": "/password-reset/code",  # accounts.codes.RESET
    "password_reset": "/password-reset/code",
    "email_change": "/me#email",
}


class CodeMail:
    """The message of a one-time code, with a link to the page where it is typed."""

    def __init__(self, config: MailConfig) -> None:
        self.config = config

    async def _page(self, uow: UnitOfWork, purpose: str, account_id: int | None) -> str:
        """The page's address; the account's username in its query when the page takes it (the mail goes
        to the address on record, whose owner knows it), never the code."""
        page = f"{self.config.public_url}{CODE_PAGES.get(purpose, '/login')}"
        if purpose == "email_change" or account_id is None:
            return page
        username = await uow.session.scalar(select(User.username).where(User.id == account_id))
        return f"{page}?{urlencode({'username': username})}" if username else page

    async def issued(self, uow: UnitOfWork, event: Any) -> None:
        """To the address the event names (and to it only): by SMS when the event says its address is a
        phone number (``channel``, a member on record without e-mail) and SMS is set up; otherwise
        nothing can carry it, and the code is left to lapse unsent."""
        purpose = str(getattr(event, "purpose", "email_change"))
        language = event.language if event.language in {"ar", "fr"} else "fr"
        user_id = getattr(event, "user_id", None) or getattr(event, "account_id", None)
        channel = Channel(getattr(event, "channel", Channel.EMAIL))
        if channel == Channel.SMS and not self.config.sms:
            logger.warning("a %s code for account %s cannot go: no e-mail, SMS not set up", purpose, user_id)
            return
        # Never the code itself in the key: the key is shown to staff.
        fingerprint = hashlib.sha256(f"{event.address}|{event.code}|{event.occurred_at}".encode()).hexdigest()
        page = await self._page(uow, purpose, getattr(event, "account_id", None))
        write = letters.code_by_sms if channel == Channel.SMS else letters.code
        await enqueue(
            uow.session,
            key=f"code:{purpose}:{fingerprint[:24]}",
            kind=f"code_{purpose}",
            user_id=user_id,
            recipient=event.address,
            letter=write(translator(language), purpose, event.code, event.minutes, page),
            now=event.occurred_at,
            channel=channel,
        )


class StayMail:
    """The handlers of stay events, with what they need from the settings."""

    def __init__(self, config: MailConfig) -> None:
        self.config = config

    def _link(self, booking_id: Any) -> str:
        return f"{self.config.public_url}/bookings/{booking_id}"

    async def _send(
        self, uow: UnitOfWork, key: str, kind: str, to: facts.Addressee, letter: Letter, now: Any
    ) -> None:
        await enqueue(
            uow.session, key=key, kind=kind, user_id=to.user_id, recipient=to.address, letter=letter, now=now
        )
        if self.config.sms and to.phone and letter.short:
            await enqueue(
                uow.session,
                key=f"{key}:sms",
                kind=kind,
                user_id=to.user_id,
                recipient=to.phone,
                letter=letter,
                now=now,
                channel=Channel.SMS,
            )

    async def _pass_png(self, uow: UnitOfWork, booking_id: Any, now: Any) -> bytes:
        """The stay's live pass as the picture a gate reads (issued now when none is out)."""
        view = await booking_view(uow.session, booking_id)
        issued = await current_pass(uow.session, view, self.config.keys_path, now)
        return render_png(await card_of(uow.session, view, issued))

    async def confirmed(self, uow: UnitOfWork, event: BookingConfirmed) -> None:
        to = await facts.addressee(uow.session, event.member_id)
        if to is None:
            return
        t = translator(to.language)
        stay = await facts.stay(uow.session, event.booking_id, to.language)
        png = await self._pass_png(uow, event.booking_id, event.occurred_at)
        summary = t.gettext("Stay at %(centre)s", centre=stay.centre_name)
        ics = stay_ics(stay, summary, event.occurred_at)
        letter = letters.confirmation(t, to.name, stay, png, ics, self._link(event.booking_id))
        await self._send(
            uow, f"booking_confirmed:{event.booking_id}", "booking_confirmed", to, letter, event.occurred_at
        )

    async def _tell(
        self, uow: UnitOfWork, kind: str, member_id: int, booking_id: Any, now: Any, write: Write
    ) -> None:
        """The member's letter about one stay (``write`` gives its words), keyed by kind and booking."""
        to = await facts.addressee(uow.session, member_id)
        if to is None:
            return
        stay = await facts.stay(uow.session, booking_id, to.language)
        letter = write(translator(to.language), to.name, stay)
        await self._send(uow, f"{kind}:{booking_id}", kind, to, letter, now)

    async def cancelled(self, uow: UnitOfWork, event: BookingCancelled) -> None:
        def write(t: Translator, name: str, stay: facts.StayFacts) -> Letter:
            return letters.cancellation(t, name, stay, event.refund, event.was_paid)

        await self._tell(
            uow, "booking_cancelled", event.member_id, event.booking_id, event.occurred_at, write
        )

    async def ended_early(self, uow: UnitOfWork, event: StayEndedEarly) -> None:
        def write(t: Translator, name: str, stay: facts.StayFacts) -> Letter:
            return letters.ended_early(t, name, stay, event.freed_from, event.refund)

        await self._tell(uow, "stay_ended_early", event.member_id, event.booking_id, event.occurred_at, write)

    async def hold_lost_refunded(self, uow: UnitOfWork, event: HoldLostRefunded) -> None:
        await self._hold_lost(uow, event.booking_id, event.member_id, event.amount, event.occurred_at, True)

    async def hold_lost_released(self, uow: UnitOfWork, event: HoldLostReleased) -> None:
        await self._hold_lost(uow, event.booking_id, event.member_id, event.amount, event.occurred_at, False)

    async def _hold_lost(
        self, uow: UnitOfWork, booking_id: Any, member_id: int, amount: Any, now: Any, refunded: bool
    ) -> None:
        def write(t: Translator, name: str, stay: facts.StayFacts) -> Letter:
            return letters.hold_lost(t, name, stay, amount, refunded)

        await self._tell(uow, "hold_lost", member_id, booking_id, now, write)

    async def pass_reissued(self, uow: UnitOfWork, event: PassReissued) -> None:
        to = await facts.addressee(uow.session, event.member_id)
        if to is None:
            return
        stay = await facts.stay(uow.session, event.booking_id, to.language)
        png = await self._pass_png(uow, event.booking_id, event.occurred_at)
        letter = letters.pass_reissued(
            translator(to.language), to.name, stay, png, self._link(event.booking_id)
        )
        await self._send(
            uow, f"pass_reissued:{event.pass_id}", "pass_reissued", to, letter, event.occurred_at
        )


def subscribe(handlers: EventHandlers, config: MailConfig) -> None:
    """Every event that writes a message, in its transaction."""
    stays = StayMail(config)
    handlers.in_transaction(BookingConfirmed, stays.confirmed)
    handlers.in_transaction(BookingCancelled, stays.cancelled)
    handlers.in_transaction(StayEndedEarly, stays.ended_early)
    handlers.in_transaction(HoldLostRefunded, stays.hold_lost_refunded)
    handlers.in_transaction(HoldLostReleased, stays.hold_lost_released)
    handlers.in_transaction(PassReissued, stays.pass_reissued)
    codes = CodeMail(config)
    handlers.in_transaction(EmailChangeCodeIssued, codes.issued)
    handlers.in_transaction(AccountCodeIssued, codes.issued)
    summer = SummerMail(config)
    handlers.in_transaction(SummerDrawn, summer.drawn)
    handlers.in_transaction(OffersMade, summer.offers_made)
    handlers.in_transaction(OfferDeadlinesNear, summer.deadlines_near)
    handlers.in_transaction(OffersLapsed, summer.lapsed)
