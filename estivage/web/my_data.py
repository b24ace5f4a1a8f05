"""A member's own account and data (law 09-08), in the pages: their profile (``/me``: the account, the
address on record and the language), what is held about them and the JSON download (``/me/data``), and
their contact details to change on either (phone and language at once, a new e-mail once the code sent
to it is typed back). The same use cases as ``GET /api/me``, ``GET /api/me/data`` and
``/api/me/contact``, ``/api/me/email``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.contact import services as contact
from accounts.domain.identity import Identity
from accounts.guards import requires_member
from estivage.personal_data import everything_about
from estivage.web.account import lang_cookie
from estivage.web.common import Errors, form_errors, language, page, safe_next
from estivage.web.flash import say
from estivage.web.names import load_names
from kernel.errors import DomainError
from kernel.i18n import N_
from kernel.uow import UnitOfWork

# The sections of the download shown as counts on the page (the download has them whole).
COUNTED = (
    "bookings", "payments", "refunds", "instalments", "passes", "gate_scans", "ratings", "reminders",
    "summer_applications", "email_changes", "staff_actions",
)  # fmt: skip
# The pages that show the contact forms: where a form goes back to, and shows its problems.
PAGES = {"/me": "me.html", "/me/data": "my_data.html"}
# The words shown once after each save (estivage.web.flash).
CONTACT_SAVED = N_("Your phone and language are saved.")
CODE_SENT = N_("Code sent to the new address.")  # the page says which, until the code is back
EMAIL_CHANGED = N_("Your e-mail address is now %(email)s.")


def _back(form: Any) -> str:
    back = safe_next(str(form.get("back") or ""), "/me/data")
    return back if back in PAGES else "/me/data"


class MyDataPages(Controller):
    path = "/me"
    guards = [requires_member]
    include_in_schema = False

    async def _page(
        self,
        request: Request[Identity, Any, Any],
        session: AsyncSession,
        now: datetime,
        errors: Errors | None = None,
        values: dict[str, str] | None = None,
        back: str = "/me/data",
    ) -> Template:
        held = await everything_about(session, request.user, now)
        return page(
            request,
            PAGES[back],
            status_code=422 if errors else 200,
            contact=await contact.contact_of(session, request.user, now),
            member=held["member"],
            counts={key: len(held[key]) for key in COUNTED},
            bookings=held["bookings"],
            names=await load_names(session, language(request)),
            errors=errors or {},
            values=values or {},
            back=back,
        )

    @get("/")
    async def profile(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Template:
        return await self._page(request, db_session, now, back="/me")

    @get("/data")
    async def read(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Template:
        return await self._page(request, db_session, now)

    @post("/contact", status_code=303)
    async def change_contact(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        form = await request.form()
        phone, lang, back = str(form.get("phone") or ""), str(form.get("language") or ""), _back(form)
        try:
            await contact.change_contact(uow, request.user, phone, lang or None, now)
        except DomainError as error:
            values = {"phone": phone}
            return await self._page(request, db_session, now, form_errors(request, error), values, back)
        cookies = [lang_cookie(request, lang)] if lang in ("fr", "ar") else []
        say(request, CONTACT_SAVED, lang if cookies else None)  # in the language the next page has
        return Redirect(f"{back}#contact", status_code=303, cookies=cookies)

    @post("/email", status_code=303)
    async def start_email_change(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        form = await request.form()
        address, back = str(form.get("email") or ""), _back(form)
        try:
            await contact.start_email_change(uow, request.user, address, now)
        except DomainError as error:
            errors = {"email": next(iter(form_errors(request, error).values()))}
            return await self._page(request, db_session, now, errors, {"email": address}, back)
        say(request, CODE_SENT)
        return Redirect(f"{back}#email", status_code=303)

    @post("/email/confirm", status_code=303)
    async def confirm_email_change(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        form = await request.form()
        code, back = str(form.get("code") or ""), _back(form)
        try:
            changed = await contact.confirm_email_change(uow, request.user, code, now)
        except DomainError as error:
            errors = {"code": next(iter(form_errors(request, error).values()))}
            return await self._page(request, db_session, now, errors, back=back)
        say(request, EMAIL_CHANGED, email=changed.email)
        return Redirect(f"{back}#email", status_code=303)
