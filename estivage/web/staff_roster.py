"""Head office's roster upload: the HR export checked first (a dry run: who is new, who changed, who would
be deactivated, and every bad line with its number and why), then applied at once, all or nothing. The
same use case as ``estivage members import`` (``accounts.roster.import_roster``).

Between the two steps the file waits in the shared store (``roster_uploads``, ``KEPT_SECONDS``) under a
random key the dry run's page carries, so that what is applied is exactly the file that was checked
(checked again, whole, as it is applied: the roster on file may have moved in between). The upload is
bounded (``estivage.security.UPLOAD_MAX_BYTES``) before anything parses it.
"""

from __future__ import annotations

import io
import re
import secrets
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.response import Redirect, Template
from litestar.stores.base import Store

from accounts.domain.identity import Identity
from accounts.domain.roster import COLUMNS, Missing, Problem, ProblemCode, RosterUnreadable, Update
from accounts.guards import requires_staff
from accounts.roster import Mode, RosterImport, RosterOutcome, import_roster
from estivage.roster_import import known_categories
from estivage.security import UPLOAD_MAX_BYTES
from estivage.web.common import FLASHES, language, page
from estivage.web.error_words import error_text
from estivage.web.flash import say
from kernel.errors import DomainError
from kernel.i18n import N_, translator
from kernel.uow import UnitOfWork

PATH = "/staff/roster"
KEPT_SECONDS = 30 * 60
SHOWN = 100  # of each kind of change, and of bad lines: the counts are whole
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

# Why a line is refused (``accounts.domain.roster.ProblemCode``), for the column the page names beside it.
REASONS: dict[ProblemCode, str] = {
    ProblemCode.MISSING: N_("is empty"),
    ProblemCode.TOO_LONG: N_("is longer than %(limit)s characters"),
    ProblemCode.BAD_MEMBER_NUMBER: N_(
        "“%(value)s” is not a member number (1 to 16 letters, digits, dots, dashes, slashes or underscores)"
    ),
    ProblemCode.DUPLICATE: N_("%(value)s is already on line %(limit)s"),
    ProblemCode.NOT_ARABIC: N_("“%(value)s” is not in Arabic script"),
    ProblemCode.UNKNOWN_CATEGORY: N_("“%(value)s” is not a category (%(limit)s)"),
    ProblemCode.BAD_EMAIL: N_("“%(value)s” is not an e-mail address"),
    ProblemCode.BAD_PHONE: N_("“%(value)s” is not a phone number (8 to 15 digits, + first if any)"),
    ProblemCode.BAD_DATE: N_("“%(value)s” is not a date (YYYY-MM-DD)"),
    ProblemCode.DATE_OUT_OF_RANGE: N_("%(value)s is not between %(low)s and %(high)s"),
    ProblemCode.BAD_NUMBER: N_("“%(value)s” is not a whole number"),
    ProblemCode.OUT_OF_RANGE: N_("%(value)s is not between %(low)s and %(high)s"),
    ProblemCode.BAD_ENCODING: N_("is not UTF-8 text"),
    ProblemCode.FIELD_COUNT: N_("has %(value)s fields where the header has %(limit)s"),
    ProblemCode.UNREADABLE_LINE: N_("cannot be read as CSV (%(value)s)"),
    ProblemCode.NOT_A_MEMBER_ACCOUNT: N_("%(value)s is the username of an account that is not a member's"),
}
NO_FILE = N_("Choose the roster file (CSV) to upload.")
UPLOAD_GONE = N_("This upload is no longer kept: upload the file again.")


def reason(problem: Problem, lang: str) -> str:
    low, _, high = problem.limit.partition(" and ")
    figures = {"value": problem.value, "limit": problem.limit, "low": low, "high": high}
    return translator(lang).gettext(REASONS[problem.code], **figures)


def moves(update: Update) -> list[tuple[str, object, object]]:
    """What changes for a member on file, column by column (``active``: back on the roster)."""
    old = dict(zip(COLUMNS, update.was, strict=True))
    new = dict(zip(COLUMNS, update.entry.values(), strict=True))
    return [(name, old.get(name, ""), new.get(name, "")) for name in update.moved]


def _uploads(request: Request[Any, Any, Any]) -> Store:
    return request.app.stores.get("roster_uploads")


def _missing(value: object) -> Missing:
    return Missing.DEACTIVATE if value in ("on", Missing.DEACTIVATE.value) else Missing.KEEP


async def _run(
    uow: UnitOfWork, actor: Identity, name: str, data: bytes, missing: Missing, mode: Mode, now: datetime
) -> RosterOutcome:
    """The file through the import's use case: a BOM dropped, bytes that are not UTF-8 kept (as
    surrogates) so that their line is refused by number, as the command does (``roster_lines``)."""
    text = io.StringIO(data.decode("utf-8-sig", errors="surrogateescape"), newline="")
    categories = await known_categories(uow.session)
    asked = RosterImport(f"upload:{name}", text, categories, missing, mode, data.count(b"\n"))
    return await import_roster(uow, asked, actor, now)


class StaffRosterPages(Controller):
    path = PATH
    guards = [requires_staff]
    include_in_schema = False

    def _page(self, request: Request[Identity, Any, Any], status_code: int = 200, **values: Any) -> Template:
        lang = language(request)
        return page(
            request,
            "staff_roster.html",
            status_code=status_code,
            shown=SHOWN,
            reason=lambda problem: reason(problem, lang),
            moves=moves,
            max_megabytes=UPLOAD_MAX_BYTES // (1024 * 1024),
            **values,
        )

    @get("/")
    async def form(self, request: Request[Identity, Any, Any]) -> Template:
        return self._page(request)

    @post("/", request_max_body_size=UPLOAD_MAX_BYTES)
    async def dry_run(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
    ) -> Template:
        """Checked and compared, nothing written; a good file is kept for the apply button."""
        form = await request.form()
        upload, missing = form.get("file"), _missing(form.get("deactivate_missing"))
        lang = language(request)
        if not isinstance(upload, UploadFile) or not upload.filename:
            return self._page(request, 400, errors={"file": translator(lang).gettext(NO_FILE)})
        data, name = await upload.read(), re.sub(r"[\r\n]", " ", upload.filename)[-120:]
        try:
            outcome = await _run(uow, request.user, name, data, missing, Mode.DRY_RUN, now)
        except RosterUnreadable as unreadable:
            return self._page(request, 400, errors={"file": error_text(lang, unreadable)})
        key = ""
        if not outcome.bad_lines and outcome.plan is not None and outcome.plan.changes:
            key = secrets.token_urlsafe(24)
            await _uploads(request).set(f"{request.user.user_id}:{key}", data, expires_in=KEPT_SECONDS)
        status = 422 if outcome.bad_lines else 200
        return self._page(request, status, outcome=outcome, file_name=name, key=key, missing=missing.value)

    @post("/apply", status_code=303)
    async def apply(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        """The file the dry run kept, checked again and written at once; then the figures, once."""
        form = await request.form()
        key, name = str(form.get("key") or ""), str(form.get("file_name") or "")[-120:]
        stored = f"{request.user.user_id}:{key}"
        data = await _uploads(request).get(stored) if _KEY.match(key) else None
        lang = language(request)
        if data is None:
            return self._page(request, 409, errors={"file": translator(lang).gettext(UPLOAD_GONE)})
        missing = _missing(form.get("missing"))
        try:
            outcome = await _run(uow, request.user, name, data, missing, Mode.APPLY, now)
        except DomainError as refused:  # the same file read before: only if the code changed under it
            return self._page(request, 400, errors={"file": error_text(lang, refused)})
        if outcome.bad_lines or outcome.plan is None:
            return self._page(request, 422, outcome=outcome, file_name=name, key="", missing=missing.value)
        await _uploads(request).delete(stored)
        changes = outcome.plan
        say(
            request,
            FLASHES["roster_applied"],
            created=len(changes.created),
            updated=len(changes.updated),
            unchanged=changes.unchanged,
            deactivated=len(changes.deactivated),
        )
        if changes.unreachable:
            say(request, FLASHES["roster_unreachable"], count=len(changes.unreachable))
        return Redirect(PATH, status_code=303)
