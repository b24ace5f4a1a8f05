"""The pages' words for problems: one entry per stable error code of the domain packages (a unit test
scans their source for every code raised), and the pages' own form checks. The words are English
msgids; their French and Arabic are in the catalogues (``kernel/locale``, see ``kernel.i18n``), where a
test holds every one of them to having both.

Variants, looked up before the plain words:
- ``ON_FIELD[(code, field)]``: the same code means something else on another field;
- ``WITH_FIGURES[code]``: the words with the error's ``params`` by name (``%(min_nights)s``…), in the
  plural form their count asks for; used when the error carries every param they name, otherwise the
  plain words are shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from kernel.codes import Code
from kernel.errors import DomainError
from kernel.i18n import N_, Translator, translator

Params = Mapping[str, int | str]

# The pages' own form checks (pages, and the staff forms' schemas).
INVALID = N_("Invalid value")
REQUIRED = N_("Required field.")
NOT_A_NUMBER = N_("Type a number.")
NOT_A_DATE = N_("Type a date (YYYY-MM-DD).")
AT_LEAST = N_("At least %(limit)s.")
AT_MOST = N_("At most %(limit)s.")
BAD_FORMAT = N_("Letters, digits and hyphens only.")
TWO_DECIMALS = N_("Two decimals at most.")
NOT_A_CHOICE = N_("Choose a value from the list.")


def too_long(t: Translator, limit: int) -> str:
    return t.ngettext("Too long: at most %(num)s character.", "Too long: at most %(num)s characters.", limit)


ERROR_WORDS: dict[str, str] = {
    # Bookings: dates, stays, limits.
    Code.INVALID_DATES: N_("Invalid dates."),
    "departure_before_arrival": N_("The departure must come after the arrival."),
    Code.ARRIVAL_IN_PAST: N_("The arrival has already passed."),
    Code.ARRIVAL_TOO_FAR: N_("This arrival is too far ahead."),
    Code.ARRIVAL_WEEKDAY: N_("Arrivals are not possible on that day in this season."),
    Code.INVALID_GUESTS: N_("At least one person."),
    Code.INVALID_STAY: N_("A stay has at least one night."),
    Code.STAY_TOO_SHORT: N_("Stay too short for this season."),
    Code.STAY_TOO_LONG: N_("Stay too long for this season."),
    Code.CENTRE_CLOSED: N_("The centre is closed on these dates."),
    Code.SUMMER_BY_APPLICATION: N_(
        "These nights are in the summer season: they are allotted by application (Summer page)."
    ),
    Code.NOT_BOOKABLE: N_("These dates cannot be booked directly."),
    Code.OPEN_HOLD_LIMIT: N_("You already have an unpaid booking: pay or cancel it before making another."),
    Code.YEARLY_NIGHTS_LIMIT: N_("You have reached the yearly limit of off-season nights."),
    Code.SOLD_OUT: N_("No unit of this type is left for these dates."),
    Code.PARTY_TOO_LARGE: N_("Too many persons for this unit."),
    Code.NOT_OFFERED: N_("This unit is not offered for these dates."),
    Code.PROMO_NOT_APPLICABLE: N_("This promotion code does not apply to this stay."),
    Code.HOLD_LOST: N_("The booking time ran out and the stay can no longer be kept."),
    Code.PRICE_CHANGED: N_("The price of this stay has changed since it was held."),
    Code.INVALID_TRANSITION: N_("The booking's state no longer allows this."),
    Code.UNIT_NOT_SUITABLE: N_("This unit is not of the booked type."),
    Code.UNIT_TAKEN: N_("This unit is taken during this stay."),
    Code.UNIT_OUT_OF_SERVICE: N_("This unit is out of service."),
    Code.RECEIPT_NOT_FOUND: N_("No such receipt."),
    Code.STAY_BEGUN: N_("This stay has begun: it can no longer be cancelled."),
    Code.BEFORE_ARRIVAL_DAY: N_("This stay has not begun yet: come back on its arrival day."),
    Code.STAY_OVER: N_("This stay is already over."),
    Code.DESK_ONLY: N_("Only the centre's manager or staff act at the desk."),
    Code.STAFF_ONLY: N_("Only staff may do this."),
    Code.INVALID_HOUSEKEEPING: N_("Choose a housekeeping state from the list."),
    Code.INVALID_REFUND: N_("Name an amount in dirhams."),
    Code.REFUND_ABOVE_PAID: N_("The refund cannot be more than what was paid."),
    Code.MEMBER_NOT_FOUND: N_("This account is not a member's."),
    Code.BOOKING_NOT_FOUND: N_("Booking not found."),
    Code.NO_PASS_YET: N_("The gate pass is issued once the stay is paid."),
    # Paying.
    Code.NOT_PAYABLE: N_("This booking can no longer be paid."),
    "nothing_to_pay": N_("This stay is free: no card payment is needed."),
    Code.INVALID_INSTALMENTS: N_("Invalid number of instalments."),
    Code.INSTALMENT_TOO_SMALL: N_("Instalments too small: choose fewer."),
    Code.CREDIT_NOT_AVAILABLE: N_("The holiday credit is not offered to your category: pay by card."),
    Code.CREDIT_ALREADY_OPEN: N_("You are already repaying a holiday credit: pay for this stay by card."),
    Code.PAYMENT_NOT_FOUND: N_("Payment not found."),
    Code.BAD_SIGNATURE: N_("Invalid Stripe signature."),
    Code.PAYMENT_METHOD_UNAVAILABLE: N_("This way of paying is not offered here."),
    Code.PAYMENT_REQUIRED: N_("This stay is not free: choose a way to pay."),
    Code.PAYMENT_CANCELLED: N_("This payment was given up when the booking time ran out: book again."),
    Code.PROVIDER_NOT_CONFIGURED: N_("This way of paying is not offered here."),
    Code.CMI_BAD_CHECKOUT: N_(
        "The card payment could not be prepared: your account needs a plain e-mail address."
    ),
    Code.REFUND_NOT_FOUND: N_("Refund not found."),
    Code.REFUND_ALREADY_MADE: N_("This refund is already recorded with another transaction number."),
    # Rating.
    Code.ALREADY_RATED: N_("This stay has already been rated."),
    Code.NOT_RATEABLE_YET: N_("You may rate the stay from its departure day."),
    Code.INVALID_SCORE: N_("The rating goes from 1 to 5."),
    Code.COMMENT_TOO_LONG: N_("Comment too long."),
    Code.INVALID_COMMENT: N_("The comment holds a forbidden character."),
    # Summer applications and the draw.
    Code.APPLICATIONS_CLOSED: N_("Applications are closed."),
    Code.APPLICATIONS_STILL_OPEN: N_("Applications are still open."),
    Code.ALREADY_APPLIED: N_("An application was just recorded for you: change it."),
    Code.APPLICATION_NOT_FOUND: N_("No application in this campaign."),
    Code.DUPLICATE_CHOICE: N_("This choice is already higher up."),
    Code.CHOICE_COUNT: N_("Choose one to three units."),
    Code.UNKNOWN_CENTRE: N_("Centre not in this campaign."),
    Code.UNKNOWN_ROTATION: N_("Rotation not in this campaign."),
    Code.UNKNOWN_UNIT_TYPE: N_("This centre does not have this unit type."),
    Code.OFFER_PAID: N_("This stay is paid: cancel the booking to give it up."),
    Code.OFFER_NOT_FOUND: N_("No current offer in this campaign."),
    Code.CAMPAIGN_NOT_FOUND: N_("Campaign not found."),
    Code.CAMPAIGN_EXISTS: N_("This summer season already has its campaign."),
    Code.CAMPAIGN_CLOSED: N_("This campaign's applications are closed: it no longer changes."),
    Code.NOT_A_SUMMER: N_("This season is not a summer season."),
    Code.DEADLINE_PASSED: N_("The deadline must be in the future."),
    Code.DEADLINE_TOO_LATE: N_("Applications must close before the summer begins."),
    Code.NO_ROTATIONS: N_("This season has no rotations."),
    Code.NO_TARIFF: N_("No summer tariff for this unit."),
    Code.SLOT_APPLIED_FOR: N_("An application is for a unit this change would remove."),
    Code.BAD_WEIGHTS: N_("Invalid score weights."),
    Code.BAD_SHARE: N_("Reserved shares go from 0 to 100%% and add up to no more than 100%%."),
    Code.NOT_CLOSED: N_("Applications are not closed yet."),
    Code.ALREADY_DRAWN: N_("The draw has already taken place."),
    Code.NOT_DRAWN: N_("The draw has not taken place yet."),
    Code.SEED_NOT_REVEALED: N_("The draw awaits the revealed seed."),
    Code.SEED_COMMITMENT_MISMATCH: N_("The recorded seed is not the one of the published commitment."),
    Code.BAD_PUBLICATION: N_("Unreadable draw file."),
    Code.INPUTS_INCONSISTENT: N_("The draw's published data are inconsistent."),
    Code.DUPLICATE_APPLICATION: N_("An application appears twice in the draw."),
    Code.LOTTERY_MISMATCH: N_("The draw's order does not match the applications."),
    Code.NEGATIVE_UNITS: N_("A number of units cannot be negative."),
    Code.NEGATIVE_RESERVATION: N_("A quota reservation cannot be negative."),
    Code.RESERVE_EXCEEDS_UNITS: N_("The reserved share exceeds the number of units."),
    Code.UNKNOWN_SLOT: N_("Unit not in this campaign."),
    Code.NO_LIVE_OFFER: N_("No current offer for this application."),
    # Configuration (staff).
    Code.CENTRE_NOT_FOUND: N_("Unknown centre."),
    Code.CENTRE_EXISTS: N_("This centre already exists."),
    Code.INVALID_TIME_ZONE: N_("Unknown time zone."),
    Code.UNIT_TYPE_NOT_FOUND: N_("This centre does not have this unit type."),
    Code.UNIT_TYPE_EXISTS: N_("This unit type already exists."),
    Code.UNIT_NOT_FOUND: N_("Unknown unit."),
    Code.UNIT_EXISTS: N_("This unit number already exists."),
    Code.SEASON_NOT_FOUND: N_("Unknown season."),
    Code.SEASON_EXISTS: N_("This season code already exists."),
    Code.SEASON_OF_OTHER_CENTRE: N_("This season belongs to another centre."),
    Code.INVALID_NIGHTS: N_("The maximum of nights must be at least the minimum."),
    Code.INVALID_ROTATION: N_("Rotations must be within the season, each with its own code."),
    Code.INVALID_QUOTA: N_("Give either a number of units or a share."),
    Code.RANGE_TOO_LONG: N_("Period too long."),
    Code.INVALID_PROMOTION: N_("This kind of promotion needs this field."),
    Code.CAP_SET_AND_CLEARED: N_("A limit cannot be both set and lifted."),
    Code.PROMOTION_CODE_EXISTS: N_("A promotion already has this code."),
    Code.PROMOTION_NOT_FOUND: N_("Promotion not found."),
    Code.DEVICE_NOT_FOUND: N_("Gate device not found."),
    Code.PASS_ID_REQUIRED: N_("A granted passage names its gate pass."),
    Code.INSTANT_WITHOUT_OFFSET: N_("A time without its offset from UTC (such as +01:00) is not an instant."),
    Code.TOO_MANY_REISSUES: N_("This pass was reissued too often today; try again tomorrow."),
    # Accounts.
    Code.BAD_CREDENTIALS: N_("Wrong username or password"),
    Code.WRONG_CENTRE: N_("You have no access to this centre."),
    # Staff booking for a member.
    Code.MEMBER_REQUIRED: N_("Say which member this is for (their member number)."),
    Code.MEMBER_NOT_ALLOWED: N_("Only staff book for another member."),
    Code.MEMBER_INACTIVE: N_("This member's account is disabled: no booking can be made for them."),
    Code.MEMBERSHIP_INACTIVE: N_(
        "This membership is no longer on the foundation's roster: no new booking or application can be made."
    ),
    Code.ROSTER_UNREADABLE: N_("The roster file cannot be read as CSV."),
    Code.ROSTER_EMPTY: N_("The roster file is empty: it has no header row."),
    Code.ROSTER_ENCODING: N_("The roster file is not UTF-8 text."),
    Code.ROSTER_COLUMNS: N_("The roster file's header lacks required columns."),
    Code.INVALID_MONTH: N_("A month is written YYYY-MM, such as 2027-07."),
    Code.YEAR_OUT_OF_RANGE: N_("Choose a year between 2000 and 2100."),
    Code.CARD_BY_MEMBER_ONLY: N_("A card payment is the member's own: they pay on their booking page."),
    # The party of a booking.
    Code.PARTY_NAME_MISSING: N_("Every person of the party needs a name."),
    Code.PARTY_NAME_TOO_LONG: N_("A name has at most 100 characters."),
    Code.PARTY_COUNT_MISMATCH: N_(
        "The party must count the persons booked: the member and the people named."
    ),
    Code.PARTY_LOCKED: N_("The party can no longer change: the stay has begun or ended."),
    # A member's contact details.
    Code.INVALID_PHONE: N_("A phone number has 8 to 15 digits, with + first if any."),
    Code.INVALID_LANGUAGE: N_("Choose French or Arabic."),
    Code.INVALID_EMAIL: N_("This is not an e-mail address."),
    Code.EMAIL_UNCHANGED: N_("This is already the address on record."),
    Code.TOO_MANY_CODES: N_("Too many codes asked for today; try again tomorrow."),
    Code.INVALID_CODE: N_("Wrong code."),
    Code.CODE_EXPIRED: N_("This code no longer works: ask for a new one."),
    # Accounts: sessions, passwords, staff accounts.
    Code.RATE_LIMITED: N_("Too many attempts; try again in a few minutes."),
    Code.REFRESH_REFUSED: N_("Your session has ended: log in again."),
    Code.WEAK_PASSWORD: N_("A password has 10 to 128 characters."),
    Code.USERNAME_TAKEN: N_("This username is taken."),
    Code.CENTRES_REQUIRED: N_("A centre manager manages at least one centre."),
    Code.OWN_ACCOUNT: N_("You cannot disable your own account nor change its role."),
    Code.ACCOUNT_NOT_FOUND: N_("No manager or staff account has this username."),
    # Card payments at CMI, the outbox, idempotent retries and the summer draw: read by staff and clients.
    Code.CMI_AMOUNT_MISMATCH: N_("The amount paid at the bank does not match this booking."),
    Code.CMI_BAD_EXPORT: N_("The bank's export file cannot be read."),
    Code.CMI_BAD_HASH: N_("The bank's answer is not signed with our key."),
    Code.CMI_MALFORMED: N_("The bank's answer is incomplete or malformed."),
    Code.CMI_WRONG_STORE: N_("The bank's answer is for another merchant."),
    Code.IDEMPOTENCY_KEY_REUSED: N_("This request key was already used for another request."),
    Code.INVALID_IDEMPOTENCY_KEY: N_("Invalid request key."),
    Code.MESSAGE_NOT_FAILED: N_("Only a message that failed can be sent again."),
    Code.MESSAGE_NOT_FOUND: N_("Message not found."),
    Code.NO_FREE_UNIT: N_("No unit of this kind is free for this rotation."),
    Code.ROTATION_BEGUN: N_("This rotation has already begun."),
}

ON_FIELD: dict[tuple[str, str], str] = {
    (Code.NOT_OFFERED, "unit_type"): N_("This unit is not offered to your category on these dates."),
    (Code.NOT_OFFERED, "choices"): N_("This unit is not offered for this rotation."),
    (Code.INVALID_PROMOTION, "pay_nights"): N_("There must be fewer nights paid than nights stayed."),
    (Code.MEMBER_NOT_FOUND, "member"): N_("No member has this number."),
    (Code.UNKNOWN_CENTRE, "centres"): N_("No such centre."),
}


def _count(params: Params, name: str) -> int:
    return int(params[name])


def _weekdays(t: Translator, params: Params) -> str:
    """ISO weekdays ("5,6") by their names in the page's language, as a list: "vendredi et samedi"."""
    days = [t.weekday(int(d)) for d in str(params["weekdays"]).split(",")]
    return t.gettext("In this season, arrivals are on %(weekdays)s.", weekdays=t.join(days))


# Why a typed promotion code does not apply (``booking.domain.promotions.Refusal.reason``).
PROMO_REFUSED: dict[str, str] = {
    "unknown": N_("No promotion has this code."),
    "paused": N_("This promotion is paused."),
    "centre": N_("This code is not valid at this centre."),
    "unit_type": N_("This code is not valid for this kind of unit."),
    "category": N_("This code is not valid for your category of member."),
    "arrival_weekday": N_("This code is not valid for this arrival day."),
    "dates": N_("This code is not valid for these dates."),
    "not_open_yet": N_("This code cannot be used yet."),
    "closed": N_("This code can no longer be used."),
    "used_up": N_("This promotion has been used up."),
    "nothing_off": N_("This code takes nothing off this stay."),
}


def _promo_refused(t: Translator, params: Params) -> str:
    reason = str(params["reason"])
    if reason == "min_nights":
        return t.ngettext(
            "This code is valid for stays of at least %(min_nights)s night.",
            "This code is valid for stays of at least %(min_nights)s nights.",
            _count(params, "min_nights"),
            **params,
        )
    if reason == "too_short":
        return t.gettext(
            "Stay %(stay_nights)s nights, pay %(pay_nights)s: this stay is too short for this code.",
            **params,
        )
    return t.gettext(PROMO_REFUSED[reason])


WITH_FIGURES: dict[str, Callable[[Translator, Params], str]] = {
    Code.PROMO_NOT_APPLICABLE: _promo_refused,
    Code.ARRIVAL_TOO_FAR: lambda t, p: t.ngettext(
        "The arrival may be at most %(max_days)s day away.",
        "The arrival may be at most %(max_days)s days away.",
        _count(p, "max_days"),
        **p,
    ),
    Code.ARRIVAL_WEEKDAY: _weekdays,
    Code.STAY_TOO_SHORT: lambda t, p: t.ngettext(
        "In this season, a stay lasts at least %(min_nights)s night.",
        "In this season, a stay lasts at least %(min_nights)s nights.",
        _count(p, "min_nights"),
        **p,
    ),
    Code.STAY_TOO_LONG: lambda t, p: t.ngettext(
        "In this season, a stay lasts at most %(max_nights)s night.",
        "In this season, a stay lasts at most %(max_nights)s nights.",
        _count(p, "max_nights"),
        **p,
    ),
    Code.YEARLY_NIGHTS_LIMIT: lambda t, p: t.ngettext(
        "At most %(max_nights)s off-season night a year; you have %(left)s left.",
        "At most %(max_nights)s off-season nights a year; you have %(left)s left.",
        _count(p, "max_nights"),
        **p,
    ),
    Code.INVALID_INSTALMENTS: lambda t, p: t.ngettext(
        "Choose from %(min)s to %(max)s monthly instalment.",
        "Choose from %(min)s to %(max)s monthly instalments.",
        _count(p, "max"),
        **p,
    ),
    Code.COMMENT_TOO_LONG: lambda t, p: t.ngettext(
        "A comment has at most %(max_length)s character.",
        "A comment has at most %(max_length)s characters.",
        _count(p, "max_length"),
        **p,
    ),
    Code.RANGE_TOO_LONG: lambda t, p: t.ngettext(
        "At most %(max_nights)s night at a time.",
        "At most %(max_nights)s nights at a time.",
        _count(p, "max_nights"),
        **p,
    ),
    Code.TOO_MANY_REISSUES: lambda t, p: t.ngettext(
        "A pass may be reissued %(limit)s time in 24 hours; try again later.",
        "A pass may be reissued %(limit)s times in 24 hours; try again later.",
        _count(p, "limit"),
        **p,
    ),
    Code.CARD_BY_MEMBER_ONLY: lambda t, p: t.gettext(
        "A card payment is the member's own: they pay on their booking page, %(page)s, logged in.", **p
    ),
    Code.PARTY_TOO_LARGE: lambda t, p: t.ngettext(
        "This unit takes at most %(capacity)s person, the member included.",
        "This unit takes at most %(capacity)s persons, the member included.",
        _count(p, "capacity"),
        **p,
    ),
    Code.PARTY_COUNT_MISMATCH: lambda t, p: t.ngettext(
        "A party of %(guests)s is the member alone: name no one, or book for more persons.",
        "A party of %(guests)s is the member and %(others)s people named; %(named)s were named.",
        _count(p, "guests"),
        others=_count(p, "guests") - 1,
        **p,
    ),
    Code.INVALID_CODE: lambda t, p: t.ngettext(
        "Wrong code: %(attempts_left)s try left.",
        "Wrong code: %(attempts_left)s tries left.",
        _count(p, "attempts_left"),
        **p,
    ),
    Code.RATE_LIMITED: lambda t, p: t.ngettext(
        "Too many failed attempts; try again in %(minutes)s minute.",
        "Too many failed attempts; try again in %(minutes)s minutes.",
        _count(p, "minutes"),
        **p,
    ),
    Code.WEAK_PASSWORD: lambda t, p: t.gettext("A password has %(min)s to %(max)s characters.", **p),
    Code.TOO_MANY_CODES: lambda t, p: t.ngettext(
        "At most %(limit)s code a day; try again tomorrow.",
        "At most %(limit)s codes a day; try again tomorrow.",
        _count(p, "limit"),
        **p,
    ),
}


def error_text(lang: str, error: DomainError) -> str:
    """The words for a known error code in the page's language, else the API's detail.

    A variant for the field (the field's name without its index) comes first; then the words with the
    error's params when it carries all they name; then the plain words."""
    words = ERROR_WORDS.get(error.code)
    if words is None:
        return error.detail
    t = translator(lang)
    name = re.match(r"[a-z_]+", error.field or "")
    if name and (error.code, name.group(0)) in ON_FIELD:
        return t.gettext(ON_FIELD[(error.code, name.group(0))])
    with_figures = WITH_FIGURES.get(error.code)
    if with_figures is not None:
        try:
            return with_figures(t, error.params)
        except (KeyError, ValueError):  # a param the words need is not carried: the plain words say it
            pass
    return t.gettext(words)
