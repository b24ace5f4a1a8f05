"""The words of each message, in the member's language (``kernel.i18n``): pure functions from facts to a
``Letter``. Every sentence goes through the catalogues (Arabic and French)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from kernel.i18n import Translator
from kernel.money import Money
from notifications.compose import Attachment, Letter
from notifications.facts import StayFacts


def greet(t: Translator, name: str) -> str:
    return t.gettext("Hello %(name)s,", name=name) if name else t.gettext("Hello,")


def sign_off(t: Translator) -> str:
    return t.gettext("The Estivage holiday centres team")


def stay_facts(t: Translator, stay: StayFacts) -> tuple[tuple[str, str], ...]:
    """The stay as a table: where (the centre, its town and address), when (with the centre's times),
    what, who."""
    party = t.ngettext("%(num)s person", "%(num)s people", stay.guests)
    if stay.party:
        party = f"{party} ({t.join(stay.party)})"
    where = ((t.gettext("Address"), stay.address),) if stay.address else ()
    return (
        (t.gettext("Centre"), stay.centre_name),
        (t.gettext("Town"), stay.town),
        *where,
        (
            t.gettext("Arrival"),
            t.gettext("%(day)s from %(time)s", day=t.day(stay.arrival), time=f"{stay.arrival_time:%H:%M}"),
        ),
        (
            t.gettext("Departure"),
            t.gettext(
                "%(day)s before %(time)s", day=t.day(stay.departure), time=f"{stay.departure_time:%H:%M}"
            ),
        ),
        (t.gettext("Accommodation"), f"{stay.unit_type} {stay.unit}"),
        (t.gettext("Party"), party),
        (t.gettext("Booking code"), stay.code),
    )


def money_facts(t: Translator, stay: StayFacts) -> tuple[tuple[str, str], ...]:
    """The price paid, or the holiday credit's deductions month by month."""
    if stay.instalments:
        schedule = t.join(
            t.gettext("%(month)s: %(amount)s", month=t.day(month), amount=t.money(amount))
            for month, amount in stay.instalments
        )
        return ((t.gettext("Deducted from your salary"), schedule),)
    return ((t.gettext("Price paid"), t.money(stay.total)),)


def confirmation(
    t: Translator, name: str, stay: StayFacts, pass_png: bytes, ics: bytes, pass_link: str
) -> Letter:
    return Letter(
        language=t.locale,
        subject=t.gettext("Your stay at %(centre)s is confirmed", centre=stay.centre_name),
        greeting=greet(t, name),
        paragraphs=(
            t.gettext("Your stay is confirmed. Your pass is attached: show it at the gate."),
            t.gettext("The calendar file adds the stay to your phone's calendar."),
        ),
        facts=stay_facts(t, stay) + money_facts(t, stay),
        link=(t.gettext("Your pass on the site"), pass_link),
        closing=sign_off(t),
        attachments=(
            Attachment(f"pass-{stay.code}.png", "image", "png", pass_png),
            Attachment(f"stay-{stay.code}.ics", "text", "calendar", ics, (("method", "PUBLISH"),)),
        ),
        short=t.gettext(
            "Estivage: your stay at %(centre)s is confirmed. Your pass: %(link)s",
            centre=stay.centre_name,
            link=pass_link,
        ),
    )


def pass_reissued(t: Translator, name: str, stay: StayFacts, pass_png: bytes, pass_link: str) -> Letter:
    return Letter(
        language=t.locale,
        subject=t.gettext("A new pass for your stay at %(centre)s", centre=stay.centre_name),
        greeting=greet(t, name),
        paragraphs=(t.gettext("Your pass was issued again: the previous one no longer opens the gate."),),
        facts=stay_facts(t, stay),
        link=(t.gettext("Your pass on the site"), pass_link),
        closing=sign_off(t),
        attachments=(Attachment(f"pass-{stay.code}.png", "image", "png", pass_png),),
        short=t.gettext("Estivage: a new pass for your stay. Your pass: %(link)s", link=pass_link),
    )


def cancellation(t: Translator, name: str, stay: StayFacts, refund: Money, was_paid: bool) -> Letter:
    if refund.amount_minor > 0:
        money = t.gettext("%(amount)s will be given back to you.", amount=t.money(refund))
    elif was_paid:
        money = t.gettext("Under the cancellation rules, nothing is given back.")
    else:
        money = t.gettext("Nothing had been paid.")
    return Letter(
        language=t.locale,
        subject=t.gettext("Your stay at %(centre)s is cancelled", centre=stay.centre_name),
        greeting=greet(t, name),
        paragraphs=(t.gettext("Your stay is cancelled and its pass no longer opens the gate."), money),
        facts=stay_facts(t, stay),
        closing=sign_off(t),
    )


def hold_lost(t: Translator, name: str, stay: StayFacts, amount: Money, refunded: bool) -> Letter:
    money = (
        t.gettext("Your payment of %(amount)s is refunded in full.", amount=t.money(amount))
        if refunded
        else t.gettext(
            "Your card was not charged: your bank releases the %(amount)s it reserved.",
            amount=t.money(amount),
        )
    )
    return Letter(
        language=t.locale,
        subject=t.gettext("Your hold at %(centre)s could not be kept", centre=stay.centre_name),
        greeting=greet(t, name),
        paragraphs=(
            t.gettext("Your payment came after your hold had run out, and the stay was taken."),
            money,
        ),
        facts=stay_facts(t, stay),
        closing=sign_off(t),
    )


def code(t: Translator, purpose: str, code_: str, minutes: int, page: str) -> Letter:
    """A one-time code, with a link to ``page``: where it is typed (the code itself is never in a link)."""
    subjects = {
        "email_change": t.gettext("Your code to confirm this e-mail address"),
        "activation": t.gettext("Your code to activate your account"),
        "password_reset": t.gettext("Your code to choose a new password"),
        "reset": t.gettext("Your code to choose a new password"),  # accounts.codes.RESET
    }
    return Letter(
        language=t.locale,
        subject=subjects.get(purpose, t.gettext("Your code")),
        greeting=t.gettext("Hello,"),
        paragraphs=(
            t.gettext("Your code: %(code)s", code=code_),
            t.ngettext("It works once, for %(num)s minute.", "It works once, for %(num)s minutes.", minutes),
            t.gettext("If you did not ask for it, ignore this message."),
        ),
        link=(t.gettext("Type the code on this page"), page),
        closing=sign_off(t),
    )


def local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def ended_early(t: Translator, name: str, stay: StayFacts, ended_on: date, refund: Money) -> Letter:
    """Staff ended the stay before its departure day: on which day, and what their rule gives back."""
    money = (
        t.gettext("%(amount)s will be given back to you.", amount=t.money(refund))
        if refund.amount_minor > 0
        else t.gettext("Under the rule staff applied, nothing is given back.")
    )
    return Letter(
        language=t.locale,
        subject=t.gettext("Your stay at %(centre)s ended early", centre=stay.centre_name),
        greeting=greet(t, name),
        paragraphs=(
            t.gettext(
                "Your stay was ended on %(day)s, before its departure day. The nights from that day on "
                "are free again.",
                day=t.day(ended_on),
            ),
            money,
        ),
        facts=(*stay_facts(t, stay), (t.gettext("Refund"), t.money(refund))),
        closing=sign_off(t),
    )


def code_by_sms(t: Translator, purpose: str, code_: str, minutes: int, page: str) -> Letter:
    """A code for a member on record without e-mail: ``code``'s letter (the inbox shows it) with the
    short form their phone gets."""
    return replace(
        code(t, purpose, code_, minutes, page),
        short=t.ngettext(
            "Estivage: your code %(code)s works once, for %(num)s minute.",
            "Estivage: your code %(code)s works once, for %(num)s minutes.",
            minutes,
            code=code_,
        ),
    )
