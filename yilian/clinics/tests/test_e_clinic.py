"""The e-clinic: schedules generate slots, exceptions remove them (not booked ones), a slot
is booked once, the expert's day queue, and a booking's loop to the advice."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from freezegun import freeze_time

from yilian.workflow.models import Status
from yilian.workflow.services import transition

from ..models import ClinicException, ClinicSlot, ClinicVisit
from ..selectors import day_queue, free_slots
from ..services import ScheduleData, add_exception, generate_slots, save_schedule
from .conftest import sign_consent, slots_on, weekly

pytestmark = pytest.mark.django_db


def tomorrow():
    return timezone.localdate() + timedelta(days=1)


def test_a_schedule_generates_its_slots_for_the_coming_weeks(expert):
    day = tomorrow()
    schedule = weekly(expert, day)
    slots = ClinicSlot.objects.filter(schedule=schedule).order_by("start")
    # Four weeks ahead from today: tomorrow's weekday comes four times (tomorrow, +7, +14, +21)
    # and a fifth time only if it is within 28 days (+28 is beyond).
    days = sorted({timezone.localtime(s.start).date() for s in slots})
    assert days == [day + timedelta(weeks=w) for w in range(4)]
    first = slots_on(expert, day)
    assert [timezone.localtime(s.start).time() for s in first] == [
        time(9, 0),
        time(9, 20),
        time(9, 40),
    ]
    assert all(s.end - s.start == timedelta(minutes=20) for s in first)
    # Generating again creates nothing twice.
    assert generate_slots(schedule) == 0
    assert ClinicSlot.objects.filter(schedule=schedule).count() == 12


def test_a_schedule_stops_at_its_last_day(expert):
    day = tomorrow()
    schedule = weekly(expert, day, valid_to=day + timedelta(days=7))
    assert ClinicSlot.objects.filter(schedule=schedule).count() == 6


def test_a_bad_schedule_is_refused_per_field(expert):
    with pytest.raises(ValidationError) as caught:
        save_schedule(
            expert=expert,
            data=ScheduleData(
                weekday=1,
                start_time=time(10, 0),
                end_time=time(9, 0),
                slot_minutes=20,
                valid_from=tomorrow(),
                valid_to=tomorrow() - timedelta(days=3),
            ),
        )
    assert set(caught.value.message_dict) == {"end_time", "valid_to"}


def test_only_experts_publish_a_clinic(staff_a):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        weekly(staff_a, tomorrow())


def test_an_exception_removes_that_days_free_slots_and_skips_it_later(expert):
    day = tomorrow()
    schedule = weekly(expert, day)
    add_exception(expert=expert, day=day, reason="学术会议")
    assert slots_on(expert, day) == []
    assert len(slots_on(expert, day + timedelta(weeks=1))) == 3
    # Regenerating does not bring the closed day back.
    generate_slots(schedule)
    assert slots_on(expert, day) == []


def test_an_exception_on_a_booked_day_is_refused(clinic):
    day = tomorrow()
    weekly(clinic.expert, day)
    slot = slots_on(clinic.expert, day)[1]
    clinic.book(slot)
    with pytest.raises(ValidationError) as caught:
        add_exception(expert=clinic.expert, day=day)
    message = caught.value.message_dict["date"][0]
    assert "Patients are booked on that day" in message
    assert len(slots_on(clinic.expert, day)) == 3
    assert not ClinicException.objects.exists()


def test_an_exception_after_the_booking_was_withdrawn_is_allowed(clinic):
    day = tomorrow()
    weekly(clinic.expert, day)
    released = slots_on(clinic.expert, day)[0]
    request = clinic.book(released)
    transition(request, "withdraw", actor=clinic.applicant)
    add_exception(expert=clinic.expert, day=day)
    # The withdrawn booking keeps its record (and its slot); nothing of that day is offered.
    assert slots_on(clinic.expert, day) == [released]
    assert ClinicVisit.objects.get(request=request).slot == released
    assert not free_slots(expert=clinic.expert).filter(start__date=day).exists()


def test_a_slot_is_booked_once_and_the_second_booker_is_told(clinic, make_user, hospital_a):
    day = tomorrow()
    weekly(clinic.expert, day)
    slot = slots_on(clinic.expert, day)[0]
    clinic.book(slot)
    assert slot not in free_slots()
    with pytest.raises(ValidationError) as caught:
        clinic.book(slot)
    assert "was just taken" in caught.value.message_dict["slot"][0]
    assert ClinicVisit.objects.filter(slot=slot).count() == 1


def test_a_cancelled_booking_frees_its_slot(clinic):
    day = tomorrow()
    weekly(clinic.expert, day)
    slot = slots_on(clinic.expert, day)[0]
    transition(clinic.book(slot), "withdraw", actor=clinic.applicant)
    assert slot in free_slots()
    assert clinic.book(slot).status == Status.DRAFT


def test_a_patient_of_another_hospital_cannot_be_booked(clinic, patient_b):
    day = tomorrow()
    weekly(clinic.expert, day)
    with pytest.raises(ValidationError) as caught:
        clinic.book(slots_on(clinic.expert, day)[0], patient=patient_b)
    assert "patient" in caught.value.message_dict


def test_submitting_needs_the_consent(clinic):
    day = tomorrow()
    weekly(clinic.expert, day)
    request = clinic.book(slots_on(clinic.expert, day)[0])
    with pytest.raises(ValidationError, match="consent is missing"):
        transition(request, "submit", actor=clinic.applicant)
    request.refresh_from_db()
    assert request.status == Status.DRAFT


def test_booking_goes_straight_to_the_expert_and_loops_to_the_advice(clinic, clinic_team):
    day = tomorrow()
    weekly(clinic.expert, day)
    slot = slots_on(clinic.expert, day)[0]
    request = clinic.submitted(slot)
    # No review: routed to the expert's team, confirm and publish passed through.
    assert request.status == Status.PUBLISHED
    assert request.team == clinic_team
    assert list(request.experts.all()) == [clinic.expert]
    assert request.scheduled_start == slot.start
    assert request.scheduled_end == slot.end
    request = transition(request, "start", actor=clinic.expert)
    request = transition(
        request, "complete", actor=clinic.expert, body="考虑稳定型心绞痛，建议冠脉 CTA。"
    )
    assert request.status == Status.COMPLETED
    assert request.opinions.get(is_conclusion=True).body.startswith("考虑稳定型心绞痛")
    request = transition(
        request, "feedback", actor=clinic.applicant, satisfaction=5, timeliness=5, quality=5
    )
    assert request.status == Status.FEEDBACK_GIVEN


def test_the_day_queue_shows_only_that_days_and_only_the_experts(clinic, second_expert, patients_a):
    day = tomorrow()
    weekly(clinic.expert, day)
    weekly(second_expert, day)
    mine = slots_on(clinic.expert, day)
    later = clinic.submitted(mine[2], patients_a[0])
    earlier = clinic.submitted(mine[0], patients_a[1])
    clinic.book(mine[1], patients_a[2])  # a draft: not in the queue yet
    clinic.submitted(slots_on(clinic.expert, day + timedelta(weeks=1))[0], patients_a[2])
    clinic.submitted(slots_on(second_expert, day)[0], patients_a[2])
    queue = day_queue(clinic.expert, day)
    assert [v.request for v in queue] == [earlier, later]
    assert day_queue(second_expert, day)[0].slot.expert == second_expert


@freeze_time(datetime(2026, 12, 7, 0, 30))  # 08:30 in Shanghai, a Monday
def test_the_day_queue_page_lists_todays_patients_in_order(
    clinic, login, second_expert, patients_a
):
    today = timezone.localdate()
    weekly(clinic.expert, today)
    weekly(second_expert, today)
    slots = slots_on(clinic.expert, today)
    second = clinic.submitted(slots[1], patients_a[1])
    first = clinic.submitted(slots[0], patients_a[0])
    clinic.submitted(slots_on(second_expert, today)[0], patients_a[2])
    response = login(clinic.expert).get("/clinics/e-clinic/today/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(str(first.public_id)) < html.index(str(second.public_id))
    assert "王某某" in html and "张某某" in html
    assert "陈某某" not in html  # the other expert's patient
    assert 'data-status="published"' in html


def test_the_day_queue_is_for_experts_only(login, staff_a):
    assert login(staff_a).get("/clinics/e-clinic/today/").status_code == 403


def test_the_expert_publishes_a_clinic_and_closes_a_date_on_the_pages(login, expert):
    client = login(expert)
    day = tomorrow()
    response = client.post(
        "/clinics/e-clinic/schedules/",
        {
            "weekday": day.weekday(),
            "start_time": "14:00",
            "end_time": "15:00",
            "slot_minutes": "30",
            "valid_from": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    assert len(slots_on(expert, day)) == 2
    response = client.post("/clinics/e-clinic/exceptions/", {"date": day.isoformat()})
    assert response.status_code == 302
    assert slots_on(expert, day) == []
    closed = ClinicException.objects.get(expert=expert)
    assert closed.date == day
    page = client.get("/clinics/e-clinic/exceptions/").content.decode()
    assert f'data-exception="{closed.public_id}"' in page


def test_a_bad_schedule_on_the_page_keeps_the_input_and_shows_the_error(login, expert):
    response = login(expert).post(
        "/clinics/e-clinic/schedules/",
        {
            "weekday": "2",
            "start_time": "15:00",
            "end_time": "14:00",
            "slot_minutes": "30",
            "valid_from": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "The end must be after the start." in html
    assert 'value="15:00"' in html


def test_applying_on_the_engines_page_books_the_slot(clinic, login):
    day = tomorrow()
    weekly(clinic.expert, day)
    slot = slots_on(clinic.expert, day)[0]
    client = login(clinic.applicant)
    form = client.get("/apply/e_clinic/")
    assert form.status_code == 200
    assert str(slot.public_id) in form.content.decode()
    response = client.post(
        "/apply/e_clinic/",
        {
            "slot": str(slot.public_id),
            "patient": str(clinic.patient.public_id),
            "urgency": "routine",
            "complaint": "胸闷两周",
            "intent": "draft",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    visit = ClinicVisit.objects.get(slot=slot)
    assert visit.request.patient == clinic.patient
    page = client.get(response["Location"])
    assert "胸闷两周" in page.content.decode()
    sign_consent(visit.request, clinic.applicant)
    assert transition(visit.request, "submit", actor=clinic.applicant).status == Status.PUBLISHED


def test_overlapping_schedules_are_refused(expert):
    day = tomorrow()
    weekly(expert, day)
    with pytest.raises(ValidationError) as caught:
        weekly(expert, day, start_time=time(9, 30), end_time=time(11, 0))
    assert "overlaps" in caught.value.message_dict["start_time"][0]
    # The same hours on another weekday are fine.
    weekly(expert, day + timedelta(days=1))


def test_the_daily_command_extends_the_slots_week_by_week(expert):
    from io import StringIO

    from django.core.management import call_command

    day = tomorrow()
    schedule = weekly(expert, day)
    assert ClinicSlot.objects.filter(schedule=schedule).count() == 12
    with freeze_time(timezone.now() + timedelta(days=7)):
        out = StringIO()
        call_command("generate_clinic_slots", stdout=out)
    assert out.getvalue().strip() == "3 slots created."
    assert ClinicSlot.objects.filter(schedule=schedule).count() == 15


def test_slots_of_experts_outside_an_e_clinic_team_are_not_offered(clinic, make_user):
    from yilian.accounts.roles import Role

    loner = make_user(Role.EXPERT, hospital=clinic.expert.hospital, name="赵专家")
    day = tomorrow()
    weekly(loner, day)
    weekly(clinic.expert, day)
    offered = {s.expert_id for s in free_slots()}
    assert offered == {clinic.expert.pk}


def test_the_expert_looks_ahead_to_another_day_and_the_look_is_audited(clinic, login, patients_a):
    from yilian.audit.models import AuditEntry

    day = tomorrow()
    weekly(clinic.expert, day)
    booked = clinic.submitted(slots_on(clinic.expert, day)[0], patients_a[0])
    client = login(clinic.expert)

    ahead = client.get(f"/clinics/e-clinic/today/?day={day.isoformat()}").content.decode()
    today_page = client.get("/clinics/e-clinic/today/?day=not-a-date").content.decode()
    far = client.get("/clinics/e-clinic/today/?day=0001-01-01")

    assert str(booked.public_id) in ahead
    assert str(booked.public_id) not in today_page  # a bad day falls back to today
    assert 'id="day-nav"' in ahead
    assert far.status_code == 200  # out of range: today instead
    assert AuditEntry.objects.filter(actor=clinic.expert, action="list").count() == 3
