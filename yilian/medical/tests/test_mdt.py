"""An MDT consultation: experts of at least two departments; each assigned expert writes
one part while the session runs; the lead expert concludes once every part is written."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yilian.audit.models import AuditEntry
from yilian.workflow.models import Opinion, Status
from yilian.workflow.services import transition

from ..selectors import lead_expert, missing_parts
from ..services import write_part

pytestmark = pytest.mark.django_db


def _to_dispatched(consult):
    return transition(consult.submitted(), "approve", actor=consult.manager)


def test_the_experts_of_an_mdt_come_from_two_departments(consult, radiologist, radiologist_2):
    request = _to_dispatched(consult)

    with pytest.raises(ValidationError) as refused:
        transition(
            request,
            "confirm",
            actor=consult.lead,
            form="async",
            experts=[radiologist, radiologist_2],
        )
    message = refused.value.message_dict["experts"][0]
    assert "at least two departments" in message
    assert radiologist.name in message and radiologist_2.name in message
    request.refresh_from_db()
    assert request.status == Status.DISPATCHED
    assert not request.experts.exists()

    request = transition(
        request, "confirm", actor=consult.lead, form="async", experts=consult.experts
    )
    assert request.status == Status.CONFIRMED


def test_a_single_specialty_consultation_needs_no_second_department(consult, radiologist):
    request = transition(
        consult.submitted(subtype="imaging", mdt_specialties=()), "approve", actor=consult.manager
    )
    request = transition(
        request, "confirm", actor=consult.lead, form="async", experts=[radiologist]
    )
    assert request.status == Status.CONFIRMED


def test_each_assigned_expert_writes_one_part_which_they_may_change(
    consult, radiologist, pathologist
):
    request = consult.in_progress()

    first = write_part(request, actor=radiologist, body="CT：右肺上叶占位，考虑周围型肺癌。")
    again = write_part(request, actor=radiologist, body="CT：右肺上叶占位 3.1 cm，纵隔淋巴结肿大。")

    assert again.pk == first.pk
    parts = Opinion.objects.filter(request=request, is_conclusion=False)
    assert [(p.author, p.body) for p in parts] == [
        (radiologist, "CT：右肺上叶占位 3.1 cm，纵隔淋巴结肿大。")
    ]
    assert parts[0].signed_at is not None
    assert missing_parts(request) == [pathologist]
    entries = AuditEntry.objects.filter(object_id=str(first.public_id)).order_by("id")
    assert [(e.action, e.actor, e.patient) for e in entries] == [
        ("create", radiologist, consult.patient),
        ("update", radiologist, consult.patient),
    ]


def test_only_assigned_experts_write_a_part(consult, radiologist_2, staff_a, manager):
    request = consult.in_progress()

    # a member of the team who was not assigned, the lead (not assigned), a manager
    for outsider in (radiologist_2, consult.lead, manager):
        with pytest.raises(PermissionDenied, match="Only the experts assigned"):
            write_part(request, actor=outsider, body="意见")
    assert not Opinion.objects.filter(request=request).exists()


def test_another_hospital_does_not_even_see_the_request(consult, staff_b):
    from django.http import Http404

    request = consult.in_progress()
    with pytest.raises(Http404):
        write_part(request, actor=staff_b, body="意见")


def test_parts_are_written_only_while_the_session_runs(consult, radiologist):
    request = consult.submitted()
    request = transition(request, "approve", actor=consult.manager)
    request = transition(
        request, "confirm", actor=consult.lead, form="async", experts=consult.experts
    )

    with pytest.raises(ValidationError, match="while the consultation is in progress"):
        write_part(request, actor=radiologist, body="意见")


def test_an_empty_part_is_refused_with_a_message_on_the_body(consult, radiologist):
    request = consult.in_progress()
    with pytest.raises(ValidationError) as refused:
        write_part(request, actor=radiologist, body="  ")
    assert refused.value.message_dict == {"body": ["Write your part of the opinion."]}


def test_the_conclusion_waits_for_every_part_then_the_lead_writes_it(
    consult, radiologist, pathologist
):
    request = consult.in_progress()
    assert lead_expert(request) == consult.lead
    write_part(request, actor=radiologist, body="影像：考虑周围型肺癌。")

    with pytest.raises(ValidationError) as refused:
        transition(request, "complete", actor=consult.lead, body="建议新辅助化疗后手术。")
    assert "Still missing: 病理专家." in refused.value.messages[0]
    assert radiologist.name not in refused.value.messages[0]
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    assert not Opinion.objects.filter(request=request, is_conclusion=True).exists()

    write_part(request, actor=pathologist, body="病理：腺癌，EGFR 待检。")

    # an assigned expert who is not the lead may not conclude
    with pytest.raises(PermissionDenied, match="Only the lead expert, 王专家"):
        transition(request, "complete", actor=radiologist, body="结论")

    request = transition(request, "complete", actor=consult.lead, body="建议新辅助化疗后手术。")
    assert request.status == Status.COMPLETED
    conclusion = Opinion.objects.get(request=request, is_conclusion=True)
    assert conclusion.author == consult.lead
    assert request.events.get(action="complete").payload["parts"] == 2

    # the parts are closed once the consultation is complete
    with pytest.raises(ValidationError, match="in progress"):
        write_part(request, actor=radiologist, body="补充")


def test_without_a_team_lead_the_first_confirmed_expert_concludes(
    consult, mdt_team, radiologist, pathologist
):
    request = consult.in_progress()
    mdt_team.lead = None
    mdt_team.save(update_fields=["lead"])
    request.refresh_from_db()

    assert lead_expert(request) == radiologist  # confirmed first
    write_part(request, actor=radiologist, body="影像意见")
    write_part(request, actor=pathologist, body="病理意见")
    request = transition(request, "complete", actor=radiologist, body="综合结论")
    assert request.status == Status.COMPLETED
