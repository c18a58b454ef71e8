"""Special businesses: a platform administrator defines them in the UI; applicants fill in
the form built from the definition; applications keep the definition they were made with."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from yilian.core.tests.html import parse
from yilian.workflow.models import Status
from yilian.workflow.registry import get_kind

from .. import services
from ..forms import SpecialApplicationForm
from ..kinds import SPECIAL_BUSINESS
from ..models import FieldType, SpecialApplication, SpecialBusinessType, SpecialField

pytestmark = pytest.mark.django_db

FOUR_FIELDS = [
    services.FieldData("申请科室", FieldType.CHOICE, choices="肿瘤内科\n病理科"),
    services.FieldData("培训人数", FieldType.NUMBER),
    services.FieldData("期望开始日期", FieldType.DATE),
    services.FieldData("需求说明", FieldType.LONG_TEXT, required=False),
]


@pytest.fixture
def programme(platform_admin) -> SpecialBusinessType:
    return services.save_special_type(
        actor=platform_admin, name="基层医师能力提升项目", fields=FOUR_FIELDS
    )


def _type_post(name="远程病理质控", rows=None, **extra):
    rows = (
        rows
        if rows is not None
        else [("标本数量", "number", ""), ("质控类型", "choice", "常规\n疑难")]
    )
    data = {
        "name": name,
        "description": "",
        "is_active": "on",
        "ordering": "0",
        "fields-TOTAL_FORMS": str(len(rows)),
        "fields-INITIAL_FORMS": "0",
        "fields-MIN_NUM_FORMS": "0",
        "fields-MAX_NUM_FORMS": "1000",
    }
    for i, (label, kind, choices) in enumerate(rows):
        data.update(
            {
                f"fields-{i}-label": label,
                f"fields-{i}-field_type": kind,
                f"fields-{i}-required": "on",
                f"fields-{i}-choices": choices,
                f"fields-{i}-ORDER": str(i + 1),
            }
        )
    data.update(extra)
    return data


def test_the_kind_offers_the_active_types_as_variants(programme, platform_admin):
    other = services.save_special_type(
        actor=platform_admin, name="远程心电质控", fields=[services.FieldData("份数", "number")]
    )
    variants = get_kind(SPECIAL_BUSINESS).variants()
    assert [v.key for v in variants] == sorted(
        [str(programme.public_id), str(other.public_id)],
        key=lambda k: SpecialBusinessType.objects.get(public_id=k).name,
    )

    services.deactivate_special_type(other, actor=platform_admin)

    assert [v.label for v in get_kind(SPECIAL_BUSINESS).variants()] == ["基层医师能力提升项目"]


def test_keys_come_from_positions_and_survive_reordering(programme, platform_admin):
    assert list(programme.fields.values_list("key", "label")) == [
        ("f1", "申请科室"),
        ("f2", "培训人数"),
        ("f3", "期望开始日期"),
        ("f4", "需求说明"),
    ]
    fields = {f.label: f for f in programme.fields.all()}
    services.save_special_type(
        actor=platform_admin,
        name=programme.name,
        instance=programme,
        fields=[
            services.FieldData("培训人数", "number", field=fields["培训人数"]),
            services.FieldData("申请科室", "choice", choices="肿瘤内科", field=fields["申请科室"]),
            services.FieldData("联系人", "text"),
        ],
    )
    assert list(programme.fields.values_list("key", "label")) == [
        ("f2", "培训人数"),
        ("f1", "申请科室"),
        ("f5", "联系人"),
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ([], "at least one field"),
        ([services.FieldData("科室", "choice")], "Give the choices"),
        ([services.FieldData("科室", "text"), services.FieldData("科室", "number")], "same label"),
    ],
)
def test_invalid_definitions_are_refused(platform_admin, fields, message):
    with pytest.raises(Exception, match=message):
        services.save_special_type(actor=platform_admin, name="x", fields=fields)
    assert not SpecialBusinessType.objects.exists()


def test_only_platform_admins_define_types(manager, programme):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.save_special_type(actor=manager, name="y", fields=FOUR_FIELDS)
    with pytest.raises(PermissionDenied):
        services.deactivate_special_type(programme, actor=manager)
    assert SpecialBusinessType.objects.get(pk=programme.pk).is_active


def test_the_dynamic_form_is_applied_and_driven_through_the_loop(loop, staff_a, programme):
    start = timezone.localdate() + timedelta(days=30)
    form = SpecialApplicationForm(
        {"f1": "病理科", "f2": "3", "f3": start.isoformat(), "f4": "希望安排带教"},
        applicant=staff_a,
        variant=str(programme.public_id),
    )
    assert [type(f).__name__ for f in form.fields.values()] == [
        "ChoiceField",
        "DecimalField",
        "DateField",
        "CharField",
    ]
    assert form.is_valid(), form.errors

    request = form.save()

    assert request.kind == SPECIAL_BUSINESS
    assert request.title == "基层医师能力提升项目 · 桐庐县人民医院"
    application = request.special_application
    assert application.answers == {
        "f1": "病理科",
        "f2": "3",
        "f3": start.isoformat(),
        "f4": "希望安排带教",
    }
    request = loop.advance(request, Status.CLOSED)
    assert request.status == Status.CLOSED
    assert request.team == loop.team


def test_the_form_says_what_is_wrong_and_keeps_the_answers(staff_a, programme):
    form = SpecialApplicationForm(
        {"f1": "骨科", "f2": "很多", "f3": "", "f4": "说明"},
        applicant=staff_a,
        variant=str(programme.public_id),
    )

    assert not form.is_valid()
    assert set(form.errors) == {"f1", "f2", "f3"}
    assert form["f4"].value() == "说明"
    assert form["f2"].value() == "很多"


def test_an_unknown_or_inactive_variant_is_a_404(staff_a, programme, platform_admin):
    from django.http import Http404

    with pytest.raises(Http404):
        SpecialApplicationForm(applicant=staff_a, variant="not-a-uuid")
    services.deactivate_special_type(programme, actor=platform_admin)
    with pytest.raises(Http404):
        SpecialApplicationForm(applicant=staff_a, variant=str(programme.public_id))


def test_old_applications_keep_their_definition(staff_a, programme, platform_admin):
    request = services.save_special_application(
        applicant=staff_a,
        business_type=programme,
        answers={"f1": "肿瘤内科", "f2": 2, "f3": "2030-01-01"},
    )
    fields = {f.label: f for f in programme.fields.all()}
    services.save_special_type(
        actor=platform_admin,
        name=programme.name,
        instance=programme,
        fields=[services.FieldData("学员人数", "text", field=fields["培训人数"])],
    )

    application = SpecialApplication.objects.get(request=request)
    rows = [(f["label"], answer) for f, answer in application.rows()]
    assert rows == [
        ("申请科室", "肿瘤内科"),
        ("培训人数", "2"),
        ("期望开始日期", "2030-01-01"),
        ("需求说明", None),
    ]
    from django.template.loader import render_to_string

    html = render_to_string(
        "linkage/detail/special.html", {"request": request, "detail": application}
    )
    assert "培训人数" in html and "学员人数" not in html


def test_file_fields_are_stored_with_the_files_app(staff_a, platform_admin):
    from yilian.files.selectors import files_for

    from .conftest import pdf_upload

    kind = services.save_special_type(
        actor=platform_admin,
        name="病理切片会诊",
        fields=[services.FieldData("切片报告", FieldType.FILE)],
    )
    request = services.save_special_application(
        applicant=staff_a, business_type=kind, answers={}, uploads={"f1": pdf_upload("报告.pdf")}
    )
    (asset,) = files_for(request, "field:f1")
    assert request.special_application.answers["f1"] == {
        "file": str(asset.public_id),
        "name": "报告.pdf",
    }


# --- the pages -------------------------------------------------------------------------


PAGES = ("linkage:special_types", "linkage:special_type_create")


@pytest.mark.parametrize("page", PAGES)
def test_type_pages_are_for_platform_admins_only(
    client, page, platform_admin, manager, expert, staff_a, hospital_admin_a
):
    url = reverse(page)
    assert client.get(url).status_code == 302  # anonymous: log in first
    for user in (manager, expert, staff_a, hospital_admin_a):
        client.force_login(user)
        assert client.get(url).status_code == 403, user
    client.force_login(platform_admin)
    assert client.get(url).status_code == 200


def test_others_cannot_edit_or_deactivate(client, manager, programme):
    client.force_login(manager)
    edit = reverse("linkage:special_type_edit", args=[programme.public_id])
    off = reverse("linkage:special_type_deactivate", args=[programme.public_id])

    assert client.post(edit, _type_post(name="改名")).status_code == 403
    assert client.post(off).status_code == 403
    programme.refresh_from_db()
    assert (programme.name, programme.is_active) == ("基层医师能力提升项目", True)


def test_an_admin_creates_a_type_with_fields(client, platform_admin):
    client.force_login(platform_admin)

    response = client.post(reverse("linkage:special_type_create"), _type_post())

    assert response.status_code == 302
    created = SpecialBusinessType.objects.get(name="远程病理质控")
    assert [(f.key, f.label, f.field_type) for f in created.fields.all()] == [
        ("f1", "标本数量", "number"),
        ("f2", "质控类型", "choice"),
    ]
    assert created.fields.get(key="f2").choice_list == ["常规", "疑难"]


def test_the_editor_reorders_and_removes_rows(client, platform_admin, programme):
    client.force_login(platform_admin)
    url = reverse("linkage:special_type_edit", args=[programme.public_id])
    page = parse(client.get(url))
    assert page.one("input", name="fields-0-key").get("value") == "f1"

    data = _type_post(
        name=programme.name,
        rows=[
            ("申请科室", "choice", "肿瘤内科"),
            ("培训人数", "number", ""),
            ("期望开始日期", "date", ""),
            ("需求说明", "long_text", ""),
        ],
        **{"fields-INITIAL_FORMS": "4"},
    )
    for i in range(4):
        data[f"fields-{i}-key"] = f"f{i + 1}"
    data["fields-0-ORDER"], data["fields-1-ORDER"] = "2", "1"
    data["fields-3-DELETE"] = "on"

    response = client.post(url, data)

    assert response.status_code == 302
    assert list(programme.fields.values_list("key", flat=True)) == ["f2", "f1", "f3"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "Add at least one field"),
        ([("科室", "choice", "")], "Give the choices"),
        ([("科室", "text", ""), ("科室", "number", "")], "same label"),
    ],
)
def test_invalid_editor_input_is_shown_and_kept(client, platform_admin, rows, message):
    client.force_login(platform_admin)

    response = client.post(reverse("linkage:special_type_create"), _type_post(rows=rows))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert parse(response).one("input", name="name").get("value") == "远程病理质控"
    assert not SpecialBusinessType.objects.exists()


def test_deactivation_asks_first(client, platform_admin, programme):
    client.force_login(platform_admin)
    url = reverse("linkage:special_type_deactivate", args=[programme.public_id])

    page = client.get(url)
    assert page.status_code == 200
    assert SpecialBusinessType.objects.get(pk=programme.pk).is_active

    assert client.post(url).status_code == 302
    assert not SpecialBusinessType.objects.get(pk=programme.pk).is_active
    assert SpecialField.objects.filter(business_type=programme).count() == 4


def test_what_an_admin_types_is_shown_as_text_not_markup(client, platform_admin, staff_a):
    business_type = services.save_special_type(
        actor=platform_admin,
        name="病理质控",
        fields=[
            services.FieldData("标本数量", FieldType.NUMBER, help_text='<img src=x data-probe="1">')
        ],
    )
    client.force_login(staff_a)

    html = client.get(
        reverse("workflow:apply_variant", args=["special_business", business_type.public_id])
    ).content.decode()

    assert 'data-probe="1"' not in html
    assert "&lt;img src=x data-probe=&quot;1&quot;&gt;" in html


def test_a_returned_application_of_a_withdrawn_type_can_still_be_corrected(
    loop, client, staff_a, programme, platform_admin
):
    from yilian.workflow.services import transition

    start = (timezone.localdate() + timedelta(days=30)).isoformat()
    answers = {"f1": "病理科", "f2": "3", "f3": start, "f4": ""}
    request = services.save_special_application(
        applicant=staff_a, business_type=programme, answers=answers
    )
    request = loop.advance(request, Status.SUBMITTED)
    request = transition(request, "return", actor=loop.manager, note="人数请写 5")
    services.deactivate_special_type(programme, actor=platform_admin)
    client.force_login(staff_a)

    response = client.post(
        reverse("workflow:edit", args=[request.public_id]), {**answers, "f2": "5"}
    )

    assert response.status_code == 302, response.content.decode()
    request.special_application.refresh_from_db()
    assert request.special_application.answers["f2"] == "5"
    with pytest.raises(ValidationError):  # but nobody starts a new one
        services.save_special_application(
            applicant=staff_a, business_type=programme, answers=answers
        )
