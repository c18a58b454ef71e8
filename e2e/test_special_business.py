"""A platform admin defines a new special business with four fields in the browser; a
county doctor applies for it on the phone; it runs the closed loop — no code involved."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from e2e.conftest import DESKTOP, PHONE, log_in, open_action
from yilian.files.tests.samples import pdf_bytes
from yilian.linkage.models import SpecialApplication, SpecialBusinessType
from yilian.orgs.models import TeamService
from yilian.orgs.tests.factories import TeamFactory
from yilian.workflow.models import BusinessRequest, Status
from yilian.workflow.services import transition

FIELDS = [
    ("申请科室", "choice", "心内科\n呼吸科\n儿科"),
    ("培训人数", "number", ""),
    ("期望开始日期", "date", ""),
    ("需求证明", "file", ""),
]


@pytest.fixture
def special_team(lead_hospital, expert):
    team = TeamFactory(hospital=lead_hospital, name="专项业务办公室", lead=expert)
    team.members.add(expert)
    TeamService.objects.create(team=team, kind="special_business")
    return team


def test_a_special_business_defined_in_the_browser_runs_the_loop(
    new_context, tmp_path, platform_admin, staff_a, manager, expert, special_team
):
    # The platform admin defines it.
    admin = new_context(DESKTOP).new_page()
    log_in(admin, platform_admin.phone, PASSWORD)
    admin.goto("/linkage/special-types/new/")
    admin.locator("#id_name").fill("基层医师能力提升项目")
    admin.locator("#id_description").fill("为基层医院定制的专项培训。")
    rows = admin.locator("[data-formset-rows] [data-formset-row]")
    for index, (label, field_type, choices) in enumerate(FIELDS):
        if rows.count() <= index:
            admin.locator("[data-formset-add]").click()
        expect(rows).to_have_count(index + 1)
        row = rows.nth(index)
        row.locator("input[name$='-label']").fill(label)
        row.locator("select[name$='-field_type']").select_option(field_type)
        if choices:
            row.locator("textarea[name$='-choices']").fill(choices)
    admin.get_by_role("button", name="保存").click()
    expect(admin.locator(".alert-success")).to_be_visible()
    business_type = SpecialBusinessType.objects.get(name="基层医师能力提升项目")
    assert [(f.label, f.field_type) for f in business_type.fields.order_by("order")] == [
        (label, field_type) for label, field_type, _ in FIELDS
    ]

    # A county doctor finds it among the businesses and applies on the phone.
    start = timezone.localdate() + timedelta(days=30)
    (tmp_path / "需求说明.pdf").write_bytes(pdf_bytes())
    phone = new_context(PHONE).new_page()
    log_in(phone, staff_a.phone, PASSWORD)
    phone.goto("/apply/")
    phone.get_by_role("link", name=re.compile("基层医师能力提升项目")).click()
    phone.get_by_label("申请科室").select_option("呼吸科")
    phone.get_by_label("培训人数").fill("12")
    phone.get_by_label("期望开始日期").fill(start.isoformat())
    phone.get_by_label("需求证明").set_input_files(str(tmp_path / "需求说明.pdf"))
    phone.get_by_role("button", name="提交", exact=True).click()
    expect(phone).to_have_url(re.compile(r"/requests/[0-9a-f-]{36}/$"))
    detail = phone.locator("#kind-detail")
    for shown in ("基层医师能力提升项目", "呼吸科", "12", "需求说明.pdf"):
        expect(detail).to_contain_text(shown)
    request = BusinessRequest.objects.get(applicant=staff_a)
    application = SpecialApplication.objects.get(request=request)
    assert application.business_type == business_type
    assert request.status == Status.SUBMITTED

    # It runs the loop like any business: review, routing, the host team's confirmation …
    transition(request, "approve", actor=manager)
    request.refresh_from_db()
    assert (request.status, request.team) == (Status.DISPATCHED, special_team)
    host = new_context(DESKTOP).new_page()
    log_in(host, expert.phone, PASSWORD)
    host.goto(f"/requests/{request.public_id}/")
    form = open_action(host, "confirm")
    form.locator("#id_confirm-form").select_option("async")
    form.locator("#id_confirm-arrangement").fill("线上资料审核后安排带教。")
    form.locator('button[name="go"]').click()
    expect(host.locator(".alert-success")).to_be_visible()

    # … publication, the session, the opinion, the applicant's rating and QC.
    request.refresh_from_db()
    request = transition(request, "publish", actor=manager)
    request = transition(request, "start", actor=expert)
    request = transition(request, "complete", actor=expert, body="已完成需求评估，建议分两期开展。")
    request = transition(
        request, "feedback", actor=staff_a, satisfaction=5, timeliness=5, quality=4
    )
    request = transition(
        request, "close", actor=manager, checklist={"opinion_signed": True}, score=90
    )
    phone.reload()
    expect(phone.locator("#timeline li[data-event]")).to_have_count(10)
    expect(phone.locator("#timeline li[data-event='close']")).to_be_visible()
    assert request.status == Status.CLOSED
