"""The staff forms' amounts and the KPI CSV's revenue: written as the plain decimal they are read back as."""

from __future__ import annotations

import pytest

from estivage.web.forms import hundredths
from estivage.web.kpis import mad
from kernel.money import decimal_text
from kernel.structs import MoneyOut


@pytest.mark.parametrize("minor", [0, 1, 99, 1_000, 125_000, -150, -1])
def test_a_form_field_reads_back_the_amount_it_was_written_with(minor: int) -> None:
    assert hundredths({"amount": decimal_text(minor)}, "amount") == minor


def test_the_kpi_csv_writes_revenue_as_a_spreadsheet_reads_it() -> None:
    assert mad(MoneyOut(amount_minor=-2_050, currency="MAD")) == "-20.50"
