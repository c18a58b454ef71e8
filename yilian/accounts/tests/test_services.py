"""accounts.services: registration, its review, roles and the profile."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from yilian.accounts import services
from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.notify.models import Notification


def _review_state(user: User) -> tuple:
    row = User.objects.get(pk=user.pk)
    return (row.status, row.rejection_reason, row.reviewed_by_id, row.reviewed_at)


def test_register_staff_creates_a_pending_staff_member_of_the_hospital(
    hospital_a, department_a, hospital_admin_a
):
    user = services.register_staff(
        phone="13912345678",
        name="周新医",
        password=PASSWORD,
        hospital=hospital_a,
        department=department_a,
        title=User.Title.RESIDENT_PHYSICIAN,
        licence_number="110330100012",
        email="zhou@example.cn",
    )

    row = User.objects.get(phone="13912345678")
    assert row.pk == user.pk
    assert row.status == User.Status.PENDING
    assert row.roles == {Role.STAFF}
    assert row.hospital == hospital_a
    assert row.department == department_a
    assert row.title == User.Title.RESIDENT_PHYSICIAN
    assert row.licence_number == "110330100012"
    assert row.check_password(PASSWORD)
    assert row.reviewed_by is None
    assert row.reviewed_at is None
    assert row.can_use_business is False


def test_register_staff_notifies_only_the_admins_of_that_hospital(
    hospital_a, department_a, hospital_admin_a, hospital_admin_b, make_user
):
    second_admin_a = make_user(Role.HOSPITAL_ADMIN, hospital=hospital_a, name="甲院副管理员")

    user = services.register_staff(
        phone="13912345678",
        name="周新医",
        password=PASSWORD,
        hospital=hospital_a,
        department=department_a,
    )

    notified = Notification.objects.filter(verb="registration.submitted")
    assert sorted(notified.values_list("recipient_id", flat=True)) == sorted(
        [hospital_admin_a.pk, second_admin_a.pk]
    )
    assert not Notification.objects.filter(recipient=hospital_admin_b).exists()
    note = notified.get(recipient=hospital_admin_a)
    assert "周新医" in note.title
    assert note.url == reverse("accounts:registration_detail", args=[user.public_id])
    assert note.read_at is None


def test_approving_activates_records_the_reviewer_and_notifies_the_user(
    pending_staff_a, hospital_admin_a
):
    before = timezone.now()

    services.approve_registration(pending_staff_a, actor=hospital_admin_a)

    row = User.objects.get(pk=pending_staff_a.pk)
    assert row.status == User.Status.ACTIVE
    assert row.reviewed_by == hospital_admin_a
    assert before <= row.reviewed_at <= timezone.now()
    assert row.rejection_reason == ""
    assert row.can_use_business is True
    note = Notification.objects.get(recipient=pending_staff_a)
    assert note.verb == "registration.approved"
    assert note.url == reverse("web:home")


def test_rejecting_records_the_reason_and_reviewer_and_notifies_the_user(
    pending_staff_a, hospital_admin_a
):
    before = timezone.now()

    services.reject_registration(
        pending_staff_a, actor=hospital_admin_a, reason="  执业证号与姓名不符  "
    )

    row = User.objects.get(pk=pending_staff_a.pk)
    assert row.status == User.Status.REJECTED
    assert row.rejection_reason == "执业证号与姓名不符"
    assert row.reviewed_by == hospital_admin_a
    assert before <= row.reviewed_at <= timezone.now()
    assert row.can_use_business is False
    note = Notification.objects.get(recipient=pending_staff_a)
    assert note.verb == "registration.rejected"
    assert note.body == "执业证号与姓名不符"


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_rejecting_without_a_reason_is_refused_and_changes_nothing(
    pending_staff_a, hospital_admin_a, reason
):
    before = _review_state(pending_staff_a)

    with pytest.raises(ValueError, match="reason"):
        services.reject_registration(pending_staff_a, actor=hospital_admin_a, reason=reason)

    assert _review_state(pending_staff_a) == before
    assert before[0] == User.Status.PENDING
    assert not Notification.objects.filter(recipient=pending_staff_a).exists()


@pytest.mark.parametrize("second", ["approve", "reject"])
def test_reviewing_an_approved_registration_again_raises_and_changes_nothing(
    pending_staff_a, hospital_admin_a, platform_admin, second
):
    services.approve_registration(pending_staff_a, actor=hospital_admin_a)
    before = _review_state(pending_staff_a)
    notifications = Notification.objects.filter(recipient=pending_staff_a).count()

    with pytest.raises(services.RegistrationError):
        if second == "approve":
            services.approve_registration(pending_staff_a, actor=platform_admin)
        else:
            services.reject_registration(pending_staff_a, actor=platform_admin, reason="重复")

    assert _review_state(pending_staff_a) == before
    assert before[:3] == (User.Status.ACTIVE, "", hospital_admin_a.pk)
    assert Notification.objects.filter(recipient=pending_staff_a).count() == notifications


def test_approving_a_rejected_registration_raises_and_keeps_the_rejection(
    pending_staff_a, hospital_admin_a, platform_admin
):
    services.reject_registration(pending_staff_a, actor=hospital_admin_a, reason="非本院职工")
    before = _review_state(pending_staff_a)

    with pytest.raises(services.RegistrationError):
        services.approve_registration(pending_staff_a, actor=platform_admin)

    assert _review_state(pending_staff_a) == before
    assert before[:3] == (User.Status.REJECTED, "非本院职工", hospital_admin_a.pk)


def test_a_stale_copy_of_a_reviewed_registration_cannot_be_reviewed_again(
    pending_staff_a, hospital_admin_a, platform_admin
):
    stale = User.objects.get(pk=pending_staff_a.pk)  # loaded while still pending
    services.approve_registration(pending_staff_a, actor=hospital_admin_a)

    assert stale.status == User.Status.PENDING
    with pytest.raises(services.RegistrationError):
        services.reject_registration(stale, actor=platform_admin, reason="迟到的审核")

    assert User.objects.get(pk=pending_staff_a.pk).status == User.Status.ACTIVE


def test_grant_role_is_idempotent_and_refreshes_the_cached_roles(staff_a, hospital_admin_a):
    assert staff_a.roles == {Role.STAFF}

    first = services.grant_role(staff_a, Role.EXPERT, actor=hospital_admin_a)
    again = services.grant_role(staff_a, Role.EXPERT, actor=hospital_admin_a)

    assert first.pk == again.pk
    assert staff_a.roles == {Role.STAFF, Role.EXPERT}
    assert staff_a.role_assignments.filter(role=Role.EXPERT).count() == 1
    assert first.granted_by == hospital_admin_a


def test_update_profile_refuses_fields_outside_the_profile(staff_a, hospital_b):
    with pytest.raises(ValueError, match="status"):
        services.update_profile(staff_a, name="改名", status=User.Status.DISABLED)

    row = User.objects.get(pk=staff_a.pk)
    assert row.name == "赵医生"
    assert row.status == User.Status.ACTIVE


def test_update_profile_saves_the_given_fields(staff_a):
    services.update_profile(staff_a, name="赵主任", email="zhao@example.cn")

    row = User.objects.get(pk=staff_a.pk)
    assert (row.name, row.email) == ("赵主任", "zhao@example.cn")
