"""What people read instead of codes: centres and unit types by their names in the inventory (French and
Arabic); member categories, booking statuses, season and promotion kinds and booking notices by their
words in the catalogues. An unknown code shows as itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.models import Centre, UnitType
from kernel.i18n import N_, Translator, translator

CATEGORY = {"active": N_("Working"), "retired": N_("Retired")}
BOOKING_STATUS = {
    "held": N_("Awaiting payment"),
    "confirmed": N_("Confirmed"),
    "cancelled": N_("Cancelled"),
    "expired": N_("Expired"),
    "checked_in": N_("On site"),
    "checked_out": N_("Checked out"),
    "no_show": N_("No-show"),
}
SEASON_KIND = {"summer": N_("Summer"), "off_season": N_("Off-season"), "closed": N_("Closed")}
PROMOTION_KIND = {
    "percentage": N_("Percentage"),
    "fixed": N_("Fixed amount"),
    "stay_pay": N_("Stay N nights, pay M"),
}
# A person of a booking's party (booking.domain.party).
RELATION = {
    "spouse": N_("Spouse"),
    "child": N_("Child"),
    "parent": N_("Parent"),
    "sibling": N_("Brother or sister"),
    "other": N_("Other relative or friend"),
}
AGE_BAND = {
    "adult": N_("Adult (18 and over)"),
    "teen": N_("Teenager (12 to 17)"),
    "child": N_("Child (2 to 11)"),
    "infant": N_("Infant (under 2)"),
}
# The kinds of change of the audit log (accounts.domain.audit.AuditKind).
AUDIT_KIND = {
    "centre.created": N_("Centre created"),
    "centre.changed": N_("Centre changed"),
    "unit_type.created": N_("Unit type created"),
    "unit_type.changed": N_("Unit type changed"),
    "unit.created": N_("Unit created"),
    "unit.changed": N_("Unit changed"),
    "unit.closed": N_("Unit taken out of service"),
    "season.created": N_("Season created"),
    "season.changed": N_("Season changed"),
    "tariff.set": N_("Tariff set"),
    "quota.set": N_("Quota set"),
    "booking_policy.set": N_("Booking rules set"),
    "promotion.created": N_("Promotion created"),
    "promotion.changed": N_("Promotion changed"),
    "device.enrolled": N_("Gate device enrolled"),
    "device.revoked": N_("Gate device revoked"),
    "pass.revoked": N_("Pass revoked"),
    "booking.held_for_member": N_("Booking made for a member"),
    "booking.paid_for_member": N_("Paid by payroll for a member"),
    "booking.cancelled_by_staff": N_("Booking cancelled by staff"),
    "booking.moved": N_("Booking moved to another unit"),
    "booking.party_named_by_staff": N_("Party named by staff"),
    "booking.checked_in": N_("Checked in at the desk"),
    "booking.checked_out": N_("Checked out at the desk"),
    "booking.no_show": N_("Recorded as a no-show"),
    "booking.ended_early": N_("Stay ended early"),
    "unit.housekeeping_set": N_("Housekeeping state set"),
    "campaign.created": N_("Summer campaign opened"),
    "campaign.changed": N_("Summer campaign changed"),
    "campaign.closed": N_("Summer applications closed"),
    "campaign.committed": N_("Summer draw committed"),
    "campaign.drawn": N_("Summer draw run"),
    "campaign.open_sale": N_("Summer units left put on open sale"),
    "account.created": N_("Account created"),
    "account.changed": N_("Account changed"),
    "roster.imported": N_("Roster imported"),
}
# What an audit entry is about (estivage.web.audit_pages.SUBJECT_KINDS), as the audit page's filter shows it.
SUBJECT_KIND = {
    "account": N_("Account"),
    "booking": N_("Booking"),
    "booking_policy": N_("Booking rules"),
    "campaign": N_("Campaign"),
    "centre": N_("Centre"),
    "device": N_("Gate device"),
    "pass": N_("Pass"),
    "promotion": N_("Promotion"),
    "quota": N_("Quota"),
    "season": N_("Season"),
    "tariff": N_("Tariff"),
    "unit": N_("Unit"),
    "unit_type": N_("Unit type"),
}
# By payments.late_money.NOTICE_CODES; `amount` is the booking's total.
NOTICE = {
    "hold_lost_refunded": N_(
        "Your payment of %(amount)s arrived after your provisional booking had expired, and the stay could "
        "no longer be kept: it has been refunded in full."
    ),
    "hold_lost_released": N_(
        "Your card payment of %(amount)s arrived after your provisional booking had expired, and the stay "
        "could no longer be kept: it was not taken, and your bank releases the amount it reserved."
    ),
}


def named(t: Translator, table: Mapping[str, str], code: str) -> str:
    words = table.get(code)
    return code if words is None else t.gettext(words)


def category_name(lang: str, code: str) -> str:
    return named(translator(lang), CATEGORY, code)


@dataclass(frozen=True, slots=True)
class Names:
    lang: str
    centres: dict[str, tuple[str, str]]
    unit_types: dict[tuple[str, str], tuple[str, str]]  # (centre, type) -> names

    def _pick(self, names: tuple[str, str] | None, code: str) -> str:
        if names is None:
            return code
        french, arabic = names
        return arabic if self.lang == "ar" and arabic else french

    def centre(self, code: str | None) -> str:
        return self._pick(self.centres.get(code or ""), code or "")

    def unit_type(self, centre: str, code: str) -> str:
        return self._pick(self.unit_types.get((centre, code)), code)

    def any_unit_type(self, code: str) -> str:
        """A type code's name where the centre is not given (the first centre that has it)."""
        found = next((names for (_c, t), names in sorted(self.unit_types.items()) if t == code), None)
        return self._pick(found, code)

    def unit_type_codes(self) -> list[str]:
        return sorted({t for _c, t in self.unit_types})

    def category(self, code: str) -> str:
        return category_name(self.lang, code)


async def load_names(session: AsyncSession, lang: str) -> Names:
    centres = {
        code: (fr, ar)
        for code, fr, ar in await session.execute(select(Centre.code, Centre.name_fr, Centre.name_ar))
    }
    types = await session.execute(
        select(Centre.code, UnitType.code, UnitType.name_fr, UnitType.name_ar).join(
            Centre, Centre.id == UnitType.centre_id
        )
    )
    return Names(lang, centres, {(centre, code): (fr, ar) for centre, code, fr, ar in types})
