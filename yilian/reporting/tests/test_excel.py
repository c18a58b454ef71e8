"""The Excel round trip: download the template, fill it in with openpyxl, upload it —
every row saved (or submitted); a file with bad rows names each bad row with its reasons
and saves nothing."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from yilian.core.tests.html import parse

from ..models import Period, Status, Submission
from ..services import save_report, stored_values

FILLED = {
    "visits": 1500,
    "discharges": 90,
    "bed_days": 720,
    "infections": 1,
    "satisfaction": 97,
    "level": "乙",
    "checked_on": "2026-02-01",
    "remarks": "按时上报",
}


@pytest.fixture
def two_periods(dataset, period) -> list[Period]:
    """This month's period and the one before (both open)."""
    earlier = dataset.periods.filter(start__lt=period.start).order_by("-start").first()
    if earlier is None:  # January: add last year's periods
        from ..services import generate_periods

        generate_periods(dataset, period.start.year - 1, actor=dataset.created_by)
        earlier = dataset.periods.get(start=(period.start - timedelta(days=1)).replace(day=1))
    return [earlier, period]


def _download(client, dataset):
    response = client.get(reverse("reporting:template", args=[dataset.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def _rows_by_period(sheet) -> dict[str, int]:
    return {
        str(sheet.cell(row=r, column=1).value): r
        for r in range(3, sheet.max_row + 1)
        if sheet.cell(row=r, column=1).value
    }


def _fill(sheet, row: int, values: dict) -> None:
    codes = [c.value for c in sheet[2]]
    for code, value in values.items():
        sheet.cell(row=row, column=codes.index(code) + 1, value=value)


def _upload(client, dataset, book, *, submit: bool):
    out = io.BytesIO()
    book.save(out)
    file = SimpleUploadedFile(
        "filled.xlsx",
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    data = {"file": file, **({"submit": "on"} if submit else {})}
    return client.post(reverse("reporting:upload", args=[dataset.public_id]), data)


def test_the_template_lists_the_indicators_and_the_hospitals_open_periods(
    login, staff_a, dataset, two_periods
):
    book = _download(login(staff_a), dataset)
    sheet = book.worksheets[0]
    codes = [c.value for c in sheet[2]]

    assert codes == [
        "period",
        "visits",
        "discharges",
        "bed_days",
        "infections",
        "satisfaction",
        "level",
        "checked_on",
        "remarks",
        "_version",
    ]  # fmt: skip — the computed indicator is not typed in
    assert sheet.cell(row=1, column=2).value == "门诊人次（人次）"
    assert sheet.cell(row=1, column=len(codes)).value == "Version (do not edit)"
    assert sheet.column_dimensions["J"].hidden  # the version column
    rows = _rows_by_period(sheet)
    assert {p.label for p in two_periods} <= set(rows)
    future = dataset.periods.filter(start__gt=timezone.localdate()).first()
    if future is not None:
        assert future.label not in rows
    assert "infections <= discharges" in [c.value for c in book.worksheets[1]["H"]]


def test_a_filled_template_round_trips_into_submitted_reports(login, staff_a, dataset, two_periods):
    client = login(staff_a)
    book = _download(client, dataset)
    sheet = book.worksheets[0]
    rows = _rows_by_period(sheet)
    for n, p in enumerate(two_periods):
        _fill(sheet, rows[p.label], {**FILLED, "visits": 1500 + n})

    response = _upload(client, dataset, book, submit=True)

    assert response.status_code == 302
    reports = {s.period_id: s for s in Submission.objects.all()}
    assert set(reports) == {p.pk for p in two_periods}
    for n, p in enumerate(two_periods):
        report = reports[p.pk]
        assert report.status == Status.SUBMITTED
        values = stored_values(report)
        assert values["visits"] == Decimal(1500 + n)
        assert values["avg_stay"] == Decimal("8.0")  # 720 / 90
        assert values["level"] == "乙" and values["checked_on"].isoformat() == "2026-02-01"
    # Submitted reports leave the template: nothing more to report by Excel.
    again = _rows_by_period(_download(client, dataset).worksheets[0])
    assert not {p.label for p in two_periods} & set(again)


def test_saved_drafts_come_back_in_the_template(login, staff_a, dataset, period):
    client = login(staff_a)
    book = _download(client, dataset)
    sheet = book.worksheets[0]
    _fill(sheet, _rows_by_period(sheet)[period.label], {"visits": 321})
    assert _upload(client, dataset, book, submit=False).status_code == 302
    assert Submission.objects.get().status == Status.DRAFT

    sheet = _download(client, dataset).worksheets[0]
    codes = [c.value for c in sheet[2]]
    row = _rows_by_period(sheet)[period.label]
    assert sheet.cell(row=row, column=codes.index("visits") + 1).value == 321


def test_bad_rows_are_each_named_with_their_reasons_and_nothing_is_saved(
    login, staff_a, dataset, two_periods
):
    client = login(staff_a)
    book = _download(client, dataset)
    sheet = book.worksheets[0]
    rows = _rows_by_period(sheet)
    earlier, current = two_periods
    _fill(sheet, rows[earlier.label], FILLED)  # a good row
    _fill(sheet, rows[current.label], {**FILLED, "infections": 200, "visits": "很多"})
    last = sheet.max_row + 1
    sheet.cell(row=last, column=1, value="1999-01")
    _fill(sheet, last, FILLED)

    response = _upload(client, dataset, book, submit=True)

    assert response.status_code == 422
    problems = parse(response).one("div", id="upload-problems")
    bad_current = problems.one("li", data_row=str(rows[current.label])).text
    assert f"Row {rows[current.label]} ({current.label})" in bad_current
    assert "院内感染例数不能超过出院人数" in bad_current
    assert "门诊人次: Give a number." in bad_current
    assert "no open period" in problems.one("li", data_row=str(last)).text
    assert problems.find("li", data_row=str(rows[earlier.label])) is None
    assert not Submission.objects.exists()  # not even the good row


def test_a_row_whose_report_is_under_review_stops_the_whole_upload(
    login, staff_a, dataset, two_periods
):
    earlier, current = two_periods
    client = login(staff_a)
    book = _download(client, dataset)
    sheet = book.worksheets[0]
    rows = _rows_by_period(sheet)
    _fill(sheet, rows[earlier.label], FILLED)
    _fill(sheet, rows[current.label], FILLED)
    save_report(
        actor=staff_a,
        period=current,
        raw={k: str(v) for k, v in FILLED.items()},
        expected_version=0,
        submit=True,
    )

    response = _upload(client, dataset, book, submit=False)

    assert response.status_code == 422
    assert "cannot be changed" in parse(response).one("li", data_row=str(rows[current.label])).text
    assert not Submission.objects.filter(period=earlier).exists()


def _version_of(sheet, row: int):
    codes = [c.value for c in sheet[2]]
    return sheet.cell(row=row, column=codes.index("_version") + 1).value


def test_an_old_template_does_not_overwrite_what_was_saved_after_its_download(
    login, make_user, staff_a, hospital_a, dataset, two_periods
):
    earlier, current = two_periods
    colleague = make_user("staff", hospital=hospital_a)
    draft = save_report(
        actor=staff_a, period=current, raw={"visits": "300"}, expected_version=0, submit=False
    )
    client = login(staff_a)
    old_book = _download(client, dataset)
    sheet = old_book.worksheets[0]
    rows = _rows_by_period(sheet)
    assert _version_of(sheet, rows[current.label]) == draft.version
    assert _version_of(sheet, rows[earlier.label]) == 0  # no report yet
    # After the download a colleague changes the draft and starts the earlier period.
    changed = save_report(
        actor=colleague,
        period=current,
        raw={"visits": "999"},
        expected_version=draft.version,
        submit=False,
    )
    started = save_report(
        actor=colleague, period=earlier, raw={"visits": "5"}, expected_version=0, submit=False
    )
    _fill(sheet, rows[current.label], FILLED)
    _fill(sheet, rows[earlier.label], FILLED)

    response = _upload(client, dataset, old_book, submit=True)

    assert response.status_code == 422
    problems = parse(response).one("div", id="upload-problems")
    for period, report in ((current, changed), (earlier, started)):
        text = problems.one("li", data_row=str(rows[period.label])).text
        assert f"Row {rows[period.label]} ({period.label})" in text
        assert "changed by someone else after you downloaded the template" in text
        report.refresh_from_db()
        assert report.status == Status.DRAFT and report.version == 1 + (report is changed)
    assert stored_values(changed)["visits"] == Decimal(999)
    assert stored_values(started)["visits"] == Decimal(5)

    # A template downloaded now carries the new versions and imports.
    fresh = _download(client, dataset)
    sheet = fresh.worksheets[0]
    rows = _rows_by_period(sheet)
    _fill(sheet, rows[current.label], FILLED)
    _fill(sheet, rows[earlier.label], FILLED)
    assert _upload(client, dataset, fresh, submit=True).status_code == 302
    for report in (changed, started):
        report.refresh_from_db()
        assert report.status == Status.SUBMITTED
        assert stored_values(report)["visits"] == Decimal(FILLED["visits"])


def test_a_file_without_the_version_column_or_with_it_changed_is_refused(
    login, staff_a, dataset, period
):
    client = login(staff_a)
    book = _download(client, dataset)
    sheet = book.worksheets[0]
    row = _rows_by_period(sheet)[period.label]
    _fill(sheet, row, FILLED)
    _fill(sheet, row, {"_version": "three"})

    response = _upload(client, dataset, book, submit=False)

    assert response.status_code == 422
    assert "version column was changed" in parse(response).one("li", data_row=str(row)).text
    sheet.delete_cols(len(list(sheet[2])))
    response = _upload(client, dataset, book, submit=False)
    assert response.status_code == 422
    assert "version column. Download the template again." in response.content.decode()
    assert not Submission.objects.exists()


def test_a_file_that_is_not_a_workbook_is_refused(login, staff_a, dataset, period):
    response = login(staff_a).post(
        reverse("reporting:upload", args=[dataset.public_id]),
        {"file": SimpleUploadedFile("x.xlsx", b"not a workbook")},
    )
    assert response.status_code == 422
    assert "not an Excel workbook" in response.content.decode()
    assert not Submission.objects.exists()


def test_the_template_is_only_for_hospitals_that_report_the_dataset(
    login, make_user, lead_hospital, manager, dataset
):
    lead_staff = make_user("staff", hospital=lead_hospital)
    for user in (lead_staff, manager):
        client = login(user)
        assert (
            client.get(reverse("reporting:template", args=[dataset.public_id])).status_code == 404
        )
        assert client.get(reverse("reporting:upload", args=[dataset.public_id])).status_code == 404
