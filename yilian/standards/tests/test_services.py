"""Targeting, acknowledgement with and without the quiz, adoption rates and their reset
when a new version is published."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yilian.accounts.roles import Role
from yilian.analytics.models import ActivityEvent
from yilian.notify.models import Notification

from .. import selectors, services
from ..models import Acknowledgement, QuizAttempt
from ..policies import is_targeted
from .conftest import pdf_upload

pytestmark = pytest.mark.django_db


def _rate(standard) -> tuple[int, int, float | None, dict]:
    overall, rows = selectors.adoption(standard)
    return (
        overall.acknowledged,
        overall.targeted,
        overall.rate,
        {r.hospital.pk: (r.acknowledged, r.targeted) for r in rows},
    )


def test_targeting_follows_tier_roles_and_list(
    standard,
    staff_a,
    hospital_admin_a,
    staff_b,
    patient,
    manager,
    make_user,
    hospital_a,
    hospital_b,
):
    assert is_targeted(staff_a, standard) and is_targeted(hospital_admin_a, standard)
    assert not is_targeted(staff_b, standard)  # a city hospital
    assert not is_targeted(patient, standard) and not is_targeted(manager, standard)
    assert set(selectors.targeted_hospitals(standard)) == {hospital_a}
    standard.target_hospitals.add(hospital_b)
    assert is_targeted(staff_b, standard)
    assert set(selectors.targeted_hospitals(standard)) == {hospital_a, hospital_b}
    standard.target_roles = [Role.HOSPITAL_ADMIN]
    assert not is_targeted(staff_a, standard) and is_targeted(hospital_admin_a, standard)


def test_nothing_chosen_targets_every_active_member_hospital(manager, tiers, publish, staff_b):
    standard = services.save_standard(actor=manager, title="Hand hygiene")
    assert not is_targeted(staff_b, standard)  # not published yet
    publish(standard)
    standard.refresh_from_db()
    assert is_targeted(staff_b, standard)


def test_only_managers_write(staff_a, standard):
    with pytest.raises(PermissionDenied):
        services.save_standard(actor=staff_a, title="x")
    with pytest.raises(PermissionDenied):
        services.publish_version(standard, actor=staff_a, upload=pdf_upload(), label="v9")
    assert standard.versions.count() == 1


def test_publishing_tells_the_targeted_staff(staff_a, hospital_admin_a, staff_b, standard):
    assert Notification.objects.filter(verb=services.NOTIFY_VERB, recipient=staff_a).count() == 1
    assert Notification.objects.filter(verb=services.NOTIFY_VERB, recipient=staff_b).count() == 0


def test_acknowledgement_rates_update_and_a_new_version_resets_them(
    standard, staff_a, hospital_admin_a, make_user, hospital_a, publish, manager
):
    second_staff = make_user(Role.STAFF, hospital=hospital_a, name="孙医生")
    assert _rate(standard)[:3] == (0, 3, 0.0)

    services.acknowledge(standard, user=staff_a, confirmed=True)
    assert _rate(standard)[:3] == (1, 3, 33.3)
    services.acknowledge(standard, user=second_staff, confirmed=True)
    services.acknowledge(standard, user=second_staff, confirmed=True)  # again: no change
    acknowledged, targeted, rate, per_hospital = _rate(standard)
    assert (acknowledged, targeted, rate) == (2, 3, 66.7)
    assert per_hospital[hospital_a.pk] == (2, 3)

    version = publish(standard, label="2025 edition")
    standard.refresh_from_db()
    assert standard.current_version == version
    assert _rate(standard)[:3] == (0, 3, 0.0)
    assert selectors.my_acknowledgement(staff_a, standard) is None
    assert Acknowledgement.objects.count() == 2  # the first version's stay on record
    services.acknowledge(standard, user=staff_a, confirmed=True)
    assert _rate(standard)[:3] == (1, 3, 33.3)


def test_confirmation_box_is_required(standard, staff_a):
    with pytest.raises(ValidationError) as caught:
        services.acknowledge(standard, user=staff_a, confirmed=False)
    assert "confirmed" in caught.value.message_dict
    assert not Acknowledgement.objects.exists()


def test_members_not_targeted_may_not_acknowledge(standard, staff_b, patient):
    for user in (staff_b, patient):
        with pytest.raises(PermissionDenied):
            services.acknowledge(standard, user=user, confirmed=True)
    assert not Acknowledgement.objects.exists()


def _quiz(standard, manager):
    q1 = services.add_question(
        standard, actor=manager, text="First step?", choices=["ECG", "Wait"], answer=0
    )
    q2 = services.add_question(
        standard, actor=manager, text="Within?", choices=["10 min", "1 h", "1 day"], answer=0
    )
    return q1, q2


def test_a_failed_quiz_does_not_count_and_a_pass_does(standard, staff_a, manager):
    standard.pass_mark = 100
    standard.save()
    q1, q2 = _quiz(standard, manager)
    with pytest.raises(ValidationError) as caught:
        services.acknowledge(standard, user=staff_a, confirmed=True, answers={q1.pk: 0, q2.pk: 2})
    assert "You scored 50%; 100% is needed" in " ".join(caught.value.messages)
    assert not Acknowledgement.objects.exists()
    assert QuizAttempt.objects.get().passed is False

    ack = services.acknowledge(standard, user=staff_a, confirmed=True, answers={q1.pk: 0, q2.pk: 0})
    assert ack.score == 100
    assert _rate(standard)[0] == 1
    assert list(QuizAttempt.objects.order_by("id").values_list("score", "passed")) == [
        (50, False),
        (100, True),
    ]


def test_unanswered_questions_are_named(standard, staff_a, manager):
    q1, q2 = _quiz(standard, manager)
    with pytest.raises(ValidationError) as caught:
        services.acknowledge(standard, user=staff_a, confirmed=True, answers={q1.pk: 0})
    assert set(caught.value.message_dict) == {f"q{q2.pk}"}
    assert not QuizAttempt.objects.exists()


def test_question_needs_two_choices_and_a_valid_answer(standard, manager):
    with pytest.raises(ValidationError):
        services.add_question(standard, actor=manager, text="?", choices=["only"], answer=0)
    with pytest.raises(ValidationError):
        services.add_question(standard, actor=manager, text="?", choices=["a", "b"], answer=2)
    assert not standard.questions.exists()


def test_grade_is_correct_over_all():
    class Q:
        def __init__(self, pk, answer):
            self.pk, self.answer = pk, answer

    questions = [Q(1, 0), Q(2, 1), Q(3, 2)]
    assert services.grade(questions, {1: 0, 2: 1, 3: 0}) == 67
    assert services.grade([], {}) == 100


def test_acknowledgement_is_recorded_as_activity(
    standard, staff_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.acknowledge(standard, user=staff_a, confirmed=True)
    event = ActivityEvent.objects.get(kind="standards")
    assert (event.action, event.user, event.hospital_id) == (
        "confirm",
        staff_a,
        staff_a.hospital_id,
    )
