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

from kernel.codes import ErrorCode
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
    ErrorCode.INVALID_DATES: N_("Invalid dates."),
    "departure_before_arrival": N_("The departure must come after the arrival."),
    ErrorCode.ARRIVAL_IN_PAST: N_("The arrival has already passed."),
    ErrorCode.ARRIVAL_TOO_FAR: N_("This arrival is too far ahead."),
    ErrorCode.ARRIVAL_WEEKDAY: N_("Arrivals are not possible on that day in this season."),
    ErrorCode.INVALID_GUESTS: N_("At least one person."),
    ErrorCode.INVALID_STAY: N_("A stay has at least one night."),
    ErrorCode.STAY_TOO_SHORT: N_("Stay too short for this season."),
    ErrorCode.STAY_TOO_LONG: N_("Stay too long for this season."),
    ErrorCode.CENTRE_CLOSED: N_("The centre is closed on these dates."),
    ErrorCode.SUMMER_BY_APPLICATION: N_(
        "These nights are in the summer season: they are allotted by application (Summer page)."
    ),
    ErrorCode.NOT_BOOKABLE: N_("These dates cannot be booked directly."),
    ErrorCode.OPEN_HOLD_LIMIT: N_(
        "You already have an unpaid booking: pay or cancel it before making another."
    ),
    ErrorCode.YEARLY_NIGHTS_LIMIT: N_("You have reached the yearly limit of off-season nights."),
    ErrorCode.SOLD_OUT: N_("No unit of this type is left for these dates."),
    ErrorCode.PARTY_TOO_LARGE: N_("Too many persons for this unit."),
    ErrorCode.NOT_OFFERED: N_("This unit is not offered for these dates."),
    ErrorCode.PROMO_NOT_APPLICABLE: N_("This promotion code does not apply to this stay."),
    ErrorCode.HOLD_LOST: N_("The booking time ran out and the stay can no longer be kept."),
    ErrorCode.PRICE_CHANGED: N_("The price of this stay has changed since it was held."),
    ErrorCode.INVALID_TRANSITION: N_("The booking's state no longer allows this."),
    ErrorCode.UNIT_NOT_SUITABLE: N_("This unit is not of the booked type."),
    ErrorCode.UNIT_TAKEN: N_("This unit is taken during this stay."),
    ErrorCode.UNIT_OUT_OF_SERVICE: N_("This unit is out of service."),
    ErrorCode.RECEIPT_NOT_FOUND: N_("No such receipt."),
    ErrorCode.STAY_BEGUN: N_("This stay has begun: it can no longer be cancelled."),
    ErrorCode.BEFORE_ARRIVAL_DAY: N_("This stay has not begun yet: come back on its arrival day."),
    ErrorCode.STAY_OVER: N_("This stay is already over."),
    ErrorCode.DESK_ONLY: N_("Only the centre's manager or staff act at the desk."),
    ErrorCode.STAFF_ONLY: N_("Only staff may do this."),
    ErrorCode.INVALID_HOUSEKEEPING: N_("Choose a housekeeping state from the list."),
    ErrorCode.INVALID_REFUND: N_("Name an amount in dirhams."),
    ErrorCode.REFUND_ABOVE_PAID: N_("The refund cannot be more than what was paid."),
    ErrorCode.MEMBER_NOT_FOUND: N_("This account is not a member's."),
    ErrorCode.BOOKING_NOT_FOUND: N_("Booking not found."),
    ErrorCode.NO_PASS_YET: N_("The gate pass is issued once the stay is paid."),
    # Paying.
    ErrorCode.NOT_PAYABLE: N_("This booking can no longer be paid."),
    "nothing_to_pay": N_("This stay is free: no card payment is needed."),
    ErrorCode.INVALID_INSTALMENTS: N_("Invalid number of instalments."),
    ErrorCode.INSTALMENT_TOO_SMALL: N_("Instalments too small: choose fewer."),
    ErrorCode.CREDIT_NOT_AVAILABLE: N_("The holiday credit is not offered to your category: pay by card."),
    ErrorCode.CREDIT_ALREADY_OPEN: N_(
        "You are already repaying a holiday credit: pay for this stay by card."
    ),
    ErrorCode.PAYMENT_NOT_FOUND: N_("Payment not found."),
    ErrorCode.BAD_SIGNATURE: N_("Invalid Stripe signature."),
    ErrorCode.PAYMENT_METHOD_UNAVAILABLE: N_("This way of paying is not offered here."),
    ErrorCode.PAYMENT_REQUIRED: N_("This stay is not free: choose a way to pay."),
    ErrorCode.PAYMENT_CANCELLED: N_("This payment was given up when the booking time ran out: book again."),
    ErrorCode.PROVIDER_NOT_CONFIGURED: N_("This way of paying is not offered here."),
    ErrorCode.CMI_BAD_CHECKOUT: N_(
        "The card payment could not be prepared: your account needs a plain e-mail address."
    ),
    ErrorCode.REFUND_NOT_FOUND: N_("Refund not found."),
    ErrorCode.REFUND_ALREADY_MADE: N_("This refund is already recorded with another transaction number."),
    # Rating.
    ErrorCode.ALREADY_RATED: N_("This stay has already been rated."),
    ErrorCode.NOT_RATEABLE_YET: N_("You may rate the stay once it is over."),
    ErrorCode.INVALID_SCORE: N_("The rating goes from 1 to 5."),
    ErrorCode.COMMENT_TOO_LONG: N_("Comment too long."),
    ErrorCode.INVALID_COMMENT: N_("The comment holds a forbidden character."),
    # Summer applications and the draw.
    ErrorCode.APPLICATIONS_CLOSED: N_("Applications are closed."),
    ErrorCode.APPLICATIONS_STILL_OPEN: N_("Applications are still open."),
    ErrorCode.ALREADY_APPLIED: N_("An application was just recorded for you: change it."),
    ErrorCode.APPLICATION_NOT_FOUND: N_("No application in this campaign."),
    ErrorCode.DUPLICATE_CHOICE: N_("This choice is already higher up."),
    ErrorCode.CHOICE_COUNT: N_("Choose one to three units."),
    ErrorCode.UNKNOWN_CENTRE: N_("Centre not in this campaign."),
    ErrorCode.UNKNOWN_ROTATION: N_("Rotation not in this campaign."),
    ErrorCode.UNKNOWN_UNIT_TYPE: N_("This centre does not have this unit type."),
    ErrorCode.OFFER_PAID: N_("This stay is paid: cancel the booking to give it up."),
    ErrorCode.OFFER_NOT_FOUND: N_("No current offer in this campaign."),
    ErrorCode.CAMPAIGN_NOT_FOUND: N_("Campaign not found."),
    ErrorCode.CAMPAIGN_EXISTS: N_("This summer season already has its campaign."),
    ErrorCode.CAMPAIGN_CLOSED: N_("This campaign's applications are closed: it no longer changes."),
    ErrorCode.NOT_A_SUMMER: N_("This season is not a summer season."),
    ErrorCode.DEADLINE_PASSED: N_("The deadline must be in the future."),
    ErrorCode.DEADLINE_TOO_LATE: N_("Applications must close before the summer begins."),
    ErrorCode.NO_ROTATIONS: N_("This season has no rotations."),
    ErrorCode.NO_TARIFF: N_("No summer tariff for this unit."),
    ErrorCode.SLOT_APPLIED_FOR: N_("An application is for a unit this change would remove."),
    ErrorCode.BAD_WEIGHTS: N_("Invalid score weights."),
    ErrorCode.BAD_SHARE: N_("Reserved shares go from 0 to 100%% and add up to no more than 100%%."),
    ErrorCode.NOT_CLOSED: N_("Applications are not closed yet."),
    ErrorCode.ALREADY_DRAWN: N_("The draw has already taken place."),
    ErrorCode.NOT_DRAWN: N_("The draw has not taken place yet."),
    ErrorCode.OFFERS_STILL_OPEN: N_(
        "Some offers still await payment: settle them after their deadline first."
    ),
    ErrorCode.SEED_NOT_REVEALED: N_("The draw awaits the revealed seed."),
    ErrorCode.SEED_COMMITMENT_MISMATCH: N_("The recorded seed is not the one of the published commitment."),
    ErrorCode.BAD_PUBLICATION: N_("Unreadable draw file."),
    ErrorCode.INPUTS_INCONSISTENT: N_("The draw's published data are inconsistent."),
    ErrorCode.DUPLICATE_APPLICATION: N_("An application appears twice in the draw."),
    ErrorCode.LOTTERY_MISMATCH: N_("The draw's order does not match the applications."),
    ErrorCode.NEGATIVE_UNITS: N_("A number of units cannot be negative."),
    ErrorCode.NEGATIVE_RESERVATION: N_("A quota reservation cannot be negative."),
    ErrorCode.RESERVE_EXCEEDS_UNITS: N_("The reserved share exceeds the number of units."),
    ErrorCode.UNKNOWN_SLOT: N_("Unit not in this campaign."),
    ErrorCode.NO_LIVE_OFFER: N_("No current offer for this application."),
    # Configuration (staff).
    ErrorCode.CENTRE_NOT_FOUND: N_("Unknown centre."),
    ErrorCode.CENTRE_EXISTS: N_("This centre already exists."),
    ErrorCode.INVALID_TIME_ZONE: N_("Unknown time zone."),
    ErrorCode.UNIT_TYPE_NOT_FOUND: N_("This centre does not have this unit type."),
    ErrorCode.UNIT_TYPE_EXISTS: N_("This unit type already exists."),
    ErrorCode.UNIT_NOT_FOUND: N_("Unknown unit."),
    ErrorCode.UNIT_EXISTS: N_("This unit number already exists."),
    ErrorCode.SEASON_NOT_FOUND: N_("Unknown season."),
    ErrorCode.SEASON_EXISTS: N_("This season code already exists."),
    ErrorCode.SEASON_OF_OTHER_CENTRE: N_("This season belongs to another centre."),
    ErrorCode.INVALID_NIGHTS: N_("The maximum of nights must be at least the minimum."),
    ErrorCode.INVALID_ROTATION: N_("Rotations must be within the season, each with its own code."),
    ErrorCode.INVALID_QUOTA: N_("Give either a number of units or a share."),
    ErrorCode.RANGE_TOO_LONG: N_("Period too long."),
    ErrorCode.INVALID_PROMOTION: N_("This kind of promotion needs this field."),
    ErrorCode.CAP_SET_AND_CLEARED: N_("A limit cannot be both set and lifted."),
    ErrorCode.PROMOTION_CODE_EXISTS: N_("A promotion already has this code."),
    ErrorCode.PROMOTION_NOT_FOUND: N_("Promotion not found."),
    ErrorCode.DEVICE_NOT_FOUND: N_("Gate device not found."),
    ErrorCode.PASS_ID_REQUIRED: N_("A granted passage names its gate pass."),
    ErrorCode.INSTANT_WITHOUT_OFFSET: N_(
        "A time without its offset from UTC (such as +01:00) is not an instant."
    ),
    ErrorCode.TOO_MANY_REISSUES: N_("This pass was reissued too often today; try again tomorrow."),
    # Accounts.
    ErrorCode.BAD_CREDENTIALS: N_("Wrong username or password"),
    ErrorCode.WRONG_CENTRE: N_("You have no access to this centre."),
    # Staff booking for a member.
    ErrorCode.MEMBER_REQUIRED: N_("Say which member this is for (their member number)."),
    ErrorCode.MEMBER_NOT_ALLOWED: N_("Only staff book for another member."),
    ErrorCode.MEMBER_INACTIVE: N_("This member's account is disabled: no booking can be made for them."),
    ErrorCode.MEMBERSHIP_INACTIVE: N_(
        "This membership is no longer on the foundation's roster: no new booking or application can be made."
    ),
    ErrorCode.ROSTER_UNREADABLE: N_("The roster file cannot be read as CSV."),
    ErrorCode.ROSTER_EMPTY: N_("The roster file is empty: it has no header row."),
    ErrorCode.ROSTER_ENCODING: N_("The roster file is not UTF-8 text."),
    ErrorCode.ROSTER_COLUMNS: N_("The roster file's header lacks required columns."),
    ErrorCode.INVALID_MONTH: N_("A month is written YYYY-MM, such as 2027-07."),
    ErrorCode.YEAR_OUT_OF_RANGE: N_("Choose a year between 2000 and 2100."),
    ErrorCode.CARD_BY_MEMBER_ONLY: N_("A card payment is the member's own: they pay on their booking page."),
    # The party of a booking.
    ErrorCode.PARTY_NAME_MISSING: N_("Every person of the party needs a name."),
    ErrorCode.PARTY_NAME_TOO_LONG: N_("A name has at most 100 characters."),
    ErrorCode.PARTY_COUNT_MISMATCH: N_(
        "The party must count the persons booked: the member and the people named."
    ),
    ErrorCode.PARTY_LOCKED: N_("The party can no longer change: the stay has begun or ended."),
    # A member's contact details.
    ErrorCode.INVALID_PHONE: N_("A phone number has 8 to 15 digits, with + first if any."),
    ErrorCode.INVALID_LANGUAGE: N_("Choose French or Arabic."),
    ErrorCode.INVALID_EMAIL: N_("This is not an e-mail address."),
    ErrorCode.EMAIL_UNCHANGED: N_("This is already the address on record."),
    ErrorCode.TOO_MANY_CODES: N_("Too many codes asked for today; try again tomorrow."),
    ErrorCode.INVALID_CODE: N_("Wrong code."),
    ErrorCode.CODE_EXPIRED: N_("This code no longer works: ask for a new one."),
    # Accounts: sessions, passwords, staff accounts.
    ErrorCode.RATE_LIMITED: N_("Too many attempts; try again in a few minutes."),
    ErrorCode.REFRESH_REFUSED: N_("Your session has ended: log in again."),
    ErrorCode.WEAK_PASSWORD: N_("A password has 10 to 128 characters."),
    ErrorCode.USERNAME_TAKEN: N_("This username is taken."),
    ErrorCode.CENTRES_REQUIRED: N_("A centre manager manages at least one centre."),
    ErrorCode.OWN_ACCOUNT: N_("You cannot disable your own account nor change its role."),
    ErrorCode.ACCOUNT_NOT_FOUND: N_("No manager or staff account has this username."),
    # Card payments at CMI, the outbox, idempotent retries and the summer draw: read by staff and clients.
    ErrorCode.CMI_AMOUNT_MISMATCH: N_("The amount paid at the bank does not match this booking."),
    ErrorCode.CMI_BAD_EXPORT: N_("The bank's export file cannot be read."),
    ErrorCode.CMI_BAD_HASH: N_("The bank's answer is not signed with our key."),
    ErrorCode.CMI_MALFORMED: N_("The bank's answer is incomplete or malformed."),
    ErrorCode.CMI_WRONG_STORE: N_("The bank's answer is for another merchant."),
    ErrorCode.IDEMPOTENCY_KEY_REUSED: N_("This request key was already used for another request."),
    ErrorCode.INVALID_IDEMPOTENCY_KEY: N_("Invalid request key."),
    ErrorCode.MESSAGE_NOT_FAILED: N_("Only a failed message is sent again; this one is not failed."),
    ErrorCode.MESSAGE_NOT_FOUND: N_("No such message."),
    ErrorCode.NO_FREE_UNIT: N_("No unit of this kind is free for this rotation."),
    ErrorCode.ROTATION_BEGUN: N_("This rotation has already begun."),
}

ON_FIELD: dict[tuple[str, str], str] = {
    (ErrorCode.NOT_OFFERED, "unit_type"): N_("This unit is not offered to your category on these dates."),
    (ErrorCode.NOT_OFFERED, "choices"): N_("This unit is not offered for this rotation."),
    (ErrorCode.INVALID_PROMOTION, "pay_nights"): N_("There must be fewer nights paid than nights stayed."),
    (ErrorCode.MEMBER_NOT_FOUND, "member"): N_("No member has this number."),
    (ErrorCode.UNKNOWN_CENTRE, "centres"): N_("No such centre."),
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
    ErrorCode.PROMO_NOT_APPLICABLE: _promo_refused,
    ErrorCode.ARRIVAL_TOO_FAR: lambda t, p: t.ngettext(
        "The arrival may be at most %(max_days)s day away.",
        "The arrival may be at most %(max_days)s days away.",
        _count(p, "max_days"),
        **p,
    ),
    ErrorCode.ARRIVAL_WEEKDAY: _weekdays,
    ErrorCode.STAY_TOO_SHORT: lambda t, p: t.ngettext(
        "In this season, a stay lasts at least %(min_nights)s night.",
        "In this season, a stay lasts at least %(min_nights)s nights.",
        _count(p, "min_nights"),
        **p,
    ),
    ErrorCode.STAY_TOO_LONG: lambda t, p: t.ngettext(
        "In this season, a stay lasts at most %(max_nights)s night.",
        "In this season, a stay lasts at most %(max_nights)s nights.",
        _count(p, "max_nights"),
        **p,
    ),
    ErrorCode.YEARLY_NIGHTS_LIMIT: lambda t, p: t.ngettext(
        "At most %(max_nights)s off-season night a year; you have %(left)s left.",
        "At most %(max_nights)s off-season nights a year; you have %(left)s left.",
        _count(p, "max_nights"),
        **p,
    ),
    ErrorCode.INVALID_INSTALMENTS: lambda t, p: t.ngettext(
        "Choose from %(min)s to %(max)s monthly instalment.",
        "Choose from %(min)s to %(max)s monthly instalments.",
        _count(p, "max"),
        **p,
    ),
    ErrorCode.COMMENT_TOO_LONG: lambda t, p: t.ngettext(
        "A comment has at most %(max_length)s character.",
        "A comment has at most %(max_length)s characters.",
        _count(p, "max_length"),
        **p,
    ),
    ErrorCode.RANGE_TOO_LONG: lambda t, p: t.ngettext(
        "At most %(max_nights)s night at a time.",
        "At most %(max_nights)s nights at a time.",
        _count(p, "max_nights"),
        **p,
    ),
    ErrorCode.TOO_MANY_REISSUES: lambda t, p: t.ngettext(
        "A pass may be reissued %(limit)s time in 24 hours; try again later.",
        "A pass may be reissued %(limit)s times in 24 hours; try again later.",
        _count(p, "limit"),
        **p,
    ),
    ErrorCode.CARD_BY_MEMBER_ONLY: lambda t, p: t.gettext(
        "A card payment is the member's own: they pay on their booking page, %(page)s, logged in.", **p
    ),
    ErrorCode.PARTY_TOO_LARGE: lambda t, p: t.ngettext(
        "This unit takes at most %(capacity)s person, the member included.",
        "This unit takes at most %(capacity)s persons, the member included.",
        _count(p, "capacity"),
        **p,
    ),
    ErrorCode.PARTY_COUNT_MISMATCH: lambda t, p: t.ngettext(
        "A party of %(guests)s is the member alone: name no one, or book for more persons.",
        "A party of %(guests)s is the member and %(others)s people named; %(named)s were named.",
        _count(p, "guests"),
        others=_count(p, "guests") - 1,
        **p,
    ),
    ErrorCode.INVALID_CODE: lambda t, p: t.ngettext(
        "Wrong code: %(attempts_left)s try left.",
        "Wrong code: %(attempts_left)s tries left.",
        _count(p, "attempts_left"),
        **p,
    ),
    ErrorCode.RATE_LIMITED: lambda t, p: t.ngettext(
        "Too many failed attempts; try again in %(minutes)s minute.",
        "Too many failed attempts; try again in %(minutes)s minutes.",
        _count(p, "minutes"),
        **p,
    ),
    ErrorCode.WEAK_PASSWORD: lambda t, p: t.gettext("A password has %(min)s to %(max)s characters.", **p),
    ErrorCode.TOO_MANY_CODES: lambda t, p: t.ngettext(
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
