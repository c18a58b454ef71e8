"""Room administrators: assigned per room by a platform administrator; they see their
rooms' booked sessions and may start them."""

from __future__ import annotations

from django.urls import reverse

from yilian.accounts.models import RoleChange
from yilian.accounts.roles import Role
from yilian.orgs.tests.factories import RoomFactory
from yilian.workflow.models import BusinessRequest, Status
from yilian.workflow.selectors import allowed_actions
from yilian.workflow.services import transition
from yilian.workflow.tests.conftest import Loop


def test_a_platform_admin_assigns_a_room_admin_who_sees_and_starts_the_rooms_sessions(
    client, loop: Loop, platform_admin, make_user, lead_hospital
):
    room = RoomFactory(hospital=lead_hospital, name="远程会议室一")
    keeper = make_user(Role.STAFF, hospital=lead_hospital, name="会议室管理员")
    client.force_login(platform_admin)
    url = reverse("supervision:room_admin_edit", args=[room.public_id])

    assert client.post(url, {"phone": keeper.phone, "assign": "1"}).status_code == 302

    assert keeper in room.administrators.all()
    keeper.__dict__.pop("roles", None)
    assert keeper.has_role(Role.ROOM_ADMIN)
    assert RoleChange.objects.filter(user=keeper, role=Role.ROOM_ADMIN).exists()

    booked = loop.at(Status.CONFIRMED)
    BusinessRequest.objects.filter(pk=booked.pk).update(room=room)
    booked = transition(BusinessRequest.objects.get(pk=booked.pk), "publish", actor=loop.manager)
    elsewhere = loop.at(Status.CONFIRMED, title="另一场")

    client.force_login(keeper)
    page = client.get(reverse("realtime:rooms")).content.decode()
    assert str(booked.public_id) in page
    assert str(elsewhere.public_id) not in page
    assert client.get(reverse("workflow:detail", args=[booked.public_id])).status_code == 200
    assert client.get(reverse("workflow:detail", args=[elsewhere.public_id])).status_code == 404
    keeper = type(keeper).objects.get(pk=keeper.pk)
    assert "start" in allowed_actions(booked, keeper)


def test_only_a_platform_admin_assigns_room_admins(client, manager, lead_hospital, staff_a):
    room = RoomFactory(hospital=lead_hospital)
    client.force_login(manager)
    url = reverse("supervision:room_admin_edit", args=[room.public_id])
    assert client.post(url, {"phone": staff_a.phone, "assign": "1"}).status_code == 403
    assert not room.administrators.exists()


def test_a_patient_cannot_be_made_a_room_admin(client, platform_admin, lead_hospital, patient):
    room = RoomFactory(hospital=lead_hospital)
    client.force_login(platform_admin)
    url = reverse("supervision:room_admin_edit", args=[room.public_id])

    response = client.post(url, {"phone": patient.phone, "assign": "1"}, follow=True)

    assert "patients and accounts without a clinical or platform role" in response.content.decode()
    assert not room.administrators.exists()
    assert not RoleChange.objects.filter(user=patient).exists()
    patient.__dict__.pop("roles", None)
    assert not patient.has_role(Role.ROOM_ADMIN)


def test_an_account_without_a_clinical_or_platform_role_cannot_be_a_room_admin(
    client, platform_admin, lead_hospital, make_user
):
    room = RoomFactory(hospital=lead_hospital)
    nobody = make_user(hospital=lead_hospital)
    client.force_login(platform_admin)
    url = reverse("supervision:room_admin_edit", args=[room.public_id])

    client.post(url, {"phone": nobody.phone, "assign": "1"})

    assert not room.administrators.exists()
    assert not RoleChange.objects.exists()
