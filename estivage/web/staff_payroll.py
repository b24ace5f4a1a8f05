"""The payroll export on the staff's pages: the month's totals (the same ``payroll_report`` the CLI
prints), then the CSV download that marks the lines exported."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from accounts.guards import requires_staff
from estivage.web.common import page
from inventory.domain.calendar import local_today
from kernel.codes import ErrorCode
from kernel.errors import RuleViolation
from kernel.uow import UnitOfWork
from payments.reports import export_payroll, payroll_report

FOUNDATION_ZONE = "Africa/Casablanca"


def month_of(text: str | None, now: datetime) -> date:
    """``YYYY-MM``, or this month in the foundation's time; anything else is bad input (422)."""
    if not text:
        return local_today(now, FOUNDATION_ZONE).replace(day=1)
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise RuleViolation(ErrorCode.INVALID_MONTH, "The month must be YYYY-MM.", "month") from None


class StaffPayrollPages(Controller):
    path = "/staff/payroll"
    guards = [requires_staff]
    include_in_schema = False

    @get("/")
    async def totals(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        month: FromQuery[str | None] = None,
    ) -> Template:
        first_day = month_of(month, now)
        report = await payroll_report(db_session, first_day, mark_exported=False)  # reads only
        return page(request, "staff_payroll.html", month=first_day.strftime("%Y-%m"), totals=report.totals)

    @post("/")
    async def export(
        self,
        request: Request[Identity, Any, Any],
        uow: NamedDependency[UnitOfWork],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        form = await request.form()
        first_day = month_of(str(form.get("month") or ""), now)
        report = await export_payroll(uow, first_day)
        t = report.totals
        return Response(
            report.text,
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="payroll-{first_day:%Y-%m}.csv"',
                "X-Payroll-Totals": f"members={t.members}; deductions={t.deductions}; "
                f"sum_minor={t.total.amount_minor}; already_exported={t.already_exported}; "
                f"skipped={t.skipped}",
            },
        )
