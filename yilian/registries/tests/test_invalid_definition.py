"""A registry whose stored definition no longer passes the definition's checks (changed in
the database, or written by an older release): its pages still open and say, translated,
that the definition is invalid, what is wrong and who must correct it; no case is written
against it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from yilian.core.tests.html import parse

from ..models import Case, Registry
from ..services import CaseData, create_case

pytestmark = pytest.mark.django_db

PERIOD = {"start": "2025-03", "end": "2025-03"}
UNKNOWN_FIELD = {"field": "door_to_ballon_minutes", "op": "le", "value": 90}


def _break(registry: Registry, **stored) -> Registry:
    """Store a definition the designer would have refused, as a direct database change does."""
    Registry.objects.filter(pk=registry.pk).update(**stored)
    return Registry.objects.get(pk=registry.pk)


def _bad_indicator(registry: Registry) -> Registry:
    indicators = [dict(i) for i in registry.indicators]
    indicators[1]["numerator"] = UNKNOWN_FIELD
    return _break(registry, indicators=indicators)


def _notice(response) -> str:
    return parse(response).one("div", id="definition-invalid").text


def test_the_indicator_page_explains_an_invalid_definition(login, manager, stemi, staff_a, report):
    report(staff_a, stemi)
    registry = _bad_indicator(stemi)

    response = login(manager).get(
        reverse("registries:indicators"), {**PERIOD, "registry": registry.public_id}
    )

    assert response.status_code == 200
    notice = _notice(response)
    assert registry.name in notice
    assert "administrator corrects it" in notice
    assert "door_to_ballon_minutes" in notice  # what is wrong
    assert parse(response).find("table", id="rate-table") is None


def test_the_message_is_translated(login, manager, stemi, client):
    registry = _bad_indicator(stemi)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"

    with translation.override("zh-hans"):
        response = login(manager).get(
            reverse("registries:indicators"), {**PERIOD, "registry": registry.public_id}
        )

    notice = _notice(response)
    assert "定义无效" in notice and "door_to_ballon_minutes" in notice


def test_the_indicator_export_sends_back_to_the_explained_page(login, manager, stemi):
    registry = _bad_indicator(stemi)
    query = {**PERIOD, "registry": str(registry.public_id)}

    response = login(manager).get(reverse("registries:indicators_export", args=["csv"]), query)

    assert response.status_code == 302
    assert response.url.startswith(reverse("registries:indicators") + "?")
    assert "administrator corrects it" in _notice(login(manager).get(response.url))


@pytest.mark.parametrize(
    "stored",
    [
        {"fields": [{"key": "statin", "label": "他汀", "type": "colour"}]},
        {"fields": {"statin": "yes_no"}},
        {"derived": [{"key": "d2b", "from": ["arrival_at"], "to": "balloon_at"}]},
        {"indicators": [{"code": "x", "name": "X", "numerator": {"field": [1], "op": "eq"}}]},
        {"icd_patterns": [21]},
        {"icd_patterns": "I21.*"},
    ],
    ids=["unknown-type", "not-a-list", "unhashable-end", "unhashable-field", "number", "text"],
)
def test_every_shape_of_a_bad_definition_is_explained_not_a_500(
    login, manager, staff_a, platform_admin, stemi, report, stored
):
    case = report(staff_a, stemi)
    registry = _break(stemi, **stored)

    pages = [
        login(manager).get(
            reverse("registries:indicators"), {**PERIOD, "registry": registry.public_id}
        ),
        login(staff_a).get(reverse("registries:case_detail", args=[case.public_id])),
        login(staff_a).get(reverse("registries:case_new"), {"registry": registry.public_id}),
        login(staff_a).get(reverse("registries:case_edit", args=[case.public_id])),
        login(platform_admin).get(reverse("registries:registry_edit", args=[registry.public_id])),
    ]

    for response in pages:
        assert response.status_code == 200, response.request["PATH_INFO"]
        assert "administrator corrects it" in _notice(response)
    designer = parse(login(platform_admin).get(reverse("registries:designer")))
    assert designer.one("a", data_registry=registry.code).find("span", data_invalid=True)


def test_the_case_page_shows_what_the_case_holds(login, staff_a, stemi, report, patient_a):
    case = report(staff_a, stemi, patient=patient_a)
    _bad_indicator(stemi)

    page = parse(login(staff_a).get(reverse("registries:case_detail", args=[case.public_id])))

    assert case.diagnosis_code in page.one("dl", id="case-summary").text
    assert page.one("dd", data_answer="statin").text  # the stored answer, by its key
    assert page.find("ul", id="outcomes") is None
    assert page.find("a", id="edit-case") is None


def test_no_case_is_written_against_an_invalid_definition(login, staff_a, stemi, report, patient_a):
    case = report(staff_a, stemi, submit=False)
    registry = _bad_indicator(stemi)
    client = login(staff_a)
    before = Case.objects.get(pk=case.pk)

    created = client.post(
        f"{reverse('registries:case_new')}?registry={registry.public_id}",
        {
            "patient": str(patient_a.public_id),
            "diagnosis_code": "I21.0",
            "admission_date": "2025-03-09",
            "draft": "1",
        },
    )
    edited = client.post(
        reverse("registries:case_edit", args=[case.public_id]),
        {"diagnosis_code": "I21.4", "version": str(case.version), "submit": "1"},
    )

    for response in (created, edited):
        assert response.status_code == 409
        assert "administrator corrects it" in _notice(response)
    assert Case.objects.count() == 1
    after = Case.objects.get(pk=case.pk)
    assert (after.diagnosis_code, after.status, after.version) == (
        before.diagnosis_code,
        before.status,
        before.version,
    )
    with pytest.raises(ValidationError, match="administrator corrects it"):
        create_case(
            actor=staff_a,
            registry=registry,
            data=CaseData(
                patient=patient_a,
                diagnosis_code="I21.0",
                admission_date=case.admission_date.replace(day=1),
                discharge_date=None,
                answers={},
            ),
            submit=False,
        )
    assert Case.objects.count() == 1
