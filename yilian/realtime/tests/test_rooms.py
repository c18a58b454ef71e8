"""Who may enter a room (one selector), the pages and history endpoints, files in the chat,
attendance totals, TURN credentials and recording consent."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from yilian.accounts.roles import Role
from yilian.audit.models import AuditEntry
from yilian.orgs.models import Room
from yilian.realtime import media, selectors, services
from yilian.realtime.models import Attendance, ChatMessage, RecordingConsent, RoomSession
from yilian.workflow.models import Status
from yilian.workflow.services import transition

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def _say(session, user, body, client_id=None):
    return services.post_message(
        session, sender=user, client_id=client_id or uuid.uuid4(), body=body
    )


# --- who may enter ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "enters"),
    [
        ("staff_a", True),  # the applicant
        ("expert", True),  # lead of the execution team
        ("hospital_admin_a", True),  # the applicant hospital's staff
        ("other_expert", False),  # an expert of another team
        ("manager", False),  # sees the request, is not in the session
        ("staff_b", False),
        ("hospital_admin_b", False),
        ("patient", False),
    ],
)
def test_who_may_enter_a_business_session(request, session, who, enters):
    assert selectors.may_enter(request.getfixturevalue(who), session) is enters


def test_room_administrator_enters_without_being_a_participant(make_user, scheduled, staff_a):
    room = Room.objects.create(
        hospital=staff_a.hospital, name="一号云诊室", kind=Room.Kind.CONSULTATION
    )
    admin = make_user(Role.ROOM_ADMIN, hospital=scheduled.team.hospital, name="诊室管理员")
    room.administrators.add(admin)
    scheduled.room = room
    scheduled.save(update_fields=["room"])
    session = services.open_request_session(scheduled, actor=staff_a)

    assert selectors.may_enter(admin, session)
    assert selectors.is_room_admin(admin, session)


def test_withdrawing_the_room_admin_role_ends_access_to_the_room(
    make_user, scheduled, staff_a, platform_admin
):
    from yilian.accounts import services as accounts
    from yilian.accounts.models import User
    from yilian.workflow.models import BusinessRequest
    from yilian.workflow.rules import Who

    room = Room.objects.create(
        hospital=staff_a.hospital, name="一号云诊室", kind=Room.Kind.CONSULTATION
    )
    admin = make_user(Role.ROOM_ADMIN, hospital=scheduled.team.hospital, name="诊室管理员")
    room.administrators.add(admin)
    scheduled.room = room
    scheduled.save(update_fields=["room"])
    session = services.open_request_session(scheduled, actor=staff_a)
    assert selectors.may_enter(admin, session)

    accounts.withdraw_role(admin, Role.ROOM_ADMIN, actor=platform_admin)
    admin = User.objects.get(pk=admin.pk)

    assert room.administrators.filter(pk=admin.pk).exists()  # still listed on the room
    assert not selectors.is_room_admin(admin, session)
    assert not selectors.may_enter(admin, session)
    assert not selectors.is_participant_of_request(admin, scheduled)
    assert not selectors.rooms_administered_by(admin).exists()
    assert not selectors.business_sessions_for(admin).exists()
    assert not Who(admin, scheduled).is_room_admin
    assert not BusinessRequest.objects.visible_to(admin).filter(pk=scheduled.pk).exists()


def test_no_room_before_confirmation_or_after_completion(loop, staff_a, expert):
    draft = loop.at(Status.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.open_request_session(draft, actor=staff_a)
    assert not RoomSession.objects.exists()

    running = loop.at(Status.IN_PROGRESS)
    session = services.open_request_session(running, actor=staff_a)
    transition(running, "complete", actor=expert, **loop.data_for("complete"))
    session.refresh_from_db()
    assert not selectors.may_enter(staff_a, session)
    assert selectors.may_read_history(staff_a, session)


def test_outsider_cannot_make_the_session(scheduled, other_expert):
    with pytest.raises(PermissionDenied):
        services.open_request_session(scheduled, actor=other_expert)
    assert not RoomSession.objects.exists()


def test_standing_room_session_admits_its_host_and_invited_people(
    make_user, hospital_a, staff_a, staff_b
):
    host = make_user(Role.ROOM_ADMIN, hospital=hospital_a, name="教室管理员")
    room = Room.objects.create(hospital=hospital_a, name="远程教室", kind=Room.Kind.TEACHING)
    room.administrators.add(host)
    with pytest.raises(PermissionDenied):
        services.open_room_session(room, actor=staff_a, title="病例讨论", people=[])
    session = services.open_room_session(room, actor=host, title="病例讨论", people=[staff_a])
    assert selectors.may_enter(host, session)
    assert selectors.may_enter(staff_a, session)
    assert not selectors.may_enter(staff_b, session)


# --- pages -----------------------------------------------------------------------------


def test_entering_from_the_request_makes_one_session_and_opens_its_page(login, scheduled, staff_a):
    client = login(staff_a)
    first = client.get(f"/rooms/request/{scheduled.public_id}/")
    second = client.get(f"/rooms/request/{scheduled.public_id}/")

    session = RoomSession.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/rooms/{session.public_id}/"
    page = client.get(first["Location"])
    assert page.status_code == 200
    assert b'id="room-config"' in page.content
    assert b"<script>" not in page.content  # no inline script (the config is JSON data)


@pytest.mark.parametrize("who", ["staff_b", "other_expert", "manager"])
def test_outsiders_get_404_on_every_room_url_and_nothing_is_made(login, request, session, who):
    client = login(request.getfixturevalue(who))
    _say(session, session.host, "只给参会者")
    urls = [f"/rooms/{session.public_id}/", f"/rooms/{session.public_id}/files/"]
    for url in urls:
        assert client.get(url).status_code in (404, 405)
    assert client.post(f"/rooms/{session.public_id}/files/").status_code == 404
    assert ChatMessage.objects.count() == 1


def test_manager_reads_the_chat_of_a_request_they_supervise_but_cannot_enter(
    login, session, manager, staff_a
):
    _say(session, staff_a, "请专家看片")
    client = login(manager)

    assert client.get(f"/rooms/{session.public_id}/").status_code == 404
    history = client.get(f"/rooms/{session.public_id}/messages/")
    assert history.status_code == 200
    assert [m["body"] for m in history.json()["items"]] == ["请专家看片"]


def test_anonymous_is_sent_to_login(client, session):
    response = client.get(f"/rooms/{session.public_id}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_history_pages_by_cursor_and_fills_gaps(login, session, staff_a):
    for n in range(1, 8):
        _say(session, staff_a, f"第{n}条")
    client = login(staff_a)
    url = f"/rooms/{session.public_id}/messages/"

    after = client.get(url, {"after": 5}).json()
    newest = client.get(url).json()
    before = client.get(url, {"before": 3}).json()
    bad = client.get(url, {"after": "x"})

    assert [m["seq"] for m in after["items"]] == [6, 7]
    assert [m["body"] for m in newest["items"]] == [f"第{n}条" for n in range(1, 8)]
    assert newest["older"] is False
    assert [m["seq"] for m in before["items"]] == [1, 2]
    assert bad.status_code == 400


def test_history_before_a_cursor_returns_the_previous_page(session, staff_a):
    for n in range(1, 8):
        _say(session, staff_a, f"第{n}条")

    newest = selectors.messages_before(session, limit=3)
    older = selectors.messages_before(session, newest[0].seq, limit=3)

    assert [m.seq for m in newest] == [5, 6, 7]
    assert [m.seq for m in older] == [2, 3, 4]


def test_image_shared_in_the_chat_is_a_message_with_an_audited_file(login, session, staff_a):
    client = login(staff_a)
    client_id = str(uuid.uuid4())
    upload = SimpleUploadedFile("ecg.png", PNG, content_type="image/png")

    response = client.post(f"/rooms/{session.public_id}/files/", {"file": upload, "id": client_id})
    again = client.post(
        f"/rooms/{session.public_id}/files/",
        {"file": SimpleUploadedFile("ecg.png", PNG, content_type="image/png"), "id": client_id},
    )

    assert response.status_code == 200, response.content
    message = response.json()["message"]
    assert message["kind"] == "image" and message["file"]["name"] == "ecg.png"
    assert again.json()["message"]["seq"] == message["seq"]
    stored = ChatMessage.objects.get()
    assert stored.attachment is not None and stored.attachment.mime_type == "image/png"
    download = client.get(message["file"]["url"])
    assert download.status_code == 200


def test_file_of_a_forbidden_type_is_refused_with_422(login, session, staff_a):
    client = login(staff_a)
    upload = SimpleUploadedFile(
        "run.exe", b"MZ\x90\x00" * 10, content_type="application/x-msdownload"
    )

    response = client.post(
        f"/rooms/{session.public_id}/files/", {"file": upload, "id": str(uuid.uuid4())}
    )

    assert response.status_code == 422
    assert response.json()["error"]
    assert not ChatMessage.objects.exists()


def test_request_page_offers_the_room_and_keeps_the_chat_as_record(login, session, staff_a, expert):
    _say(session, expert, "建议急诊 PCI")
    client = login(staff_a)

    page = client.get(f"/requests/{session.request.public_id}/").content.decode()

    assert f"/rooms/request/{session.request.public_id}/" in page
    assert "建议急诊 PCI" in page


def test_room_page_of_a_patient_request_is_audited(login, session, staff_a):
    from yilian.patients.models import Patient

    patient = Patient.objects.create(
        hospital=staff_a.hospital, name="张某", national_id="110101199001011237", created_by=staff_a
    )
    request = session.request
    request.patient = patient
    request.save(update_fields=["patient"])

    login(staff_a).get(f"/rooms/{session.public_id}/")

    assert AuditEntry.objects.filter(patient=patient, action="view", actor=staff_a).count() == 1


# --- attendance ------------------------------------------------------------------------


def test_attendance_totals_count_overlapping_connections_once(session, staff_a, expert):
    start = timezone.now() - timedelta(hours=1)

    def row(user, joined_min, left_min):
        Attendance.objects.create(
            session=session,
            user=user,
            peer_id=uuid.uuid4().hex,
            channel_name="x",
            joined_at=start + timedelta(minutes=joined_min),
            left_at=None if left_min is None else start + timedelta(minutes=left_min),
        )

    row(staff_a, 0, 10)
    row(staff_a, 5, 20)  # a second tab
    row(staff_a, 30, 40)  # back after a network drop
    row(expert, 0, None)  # still in

    totals = selectors.attendance_totals(session, now=start + timedelta(minutes=45))

    assert totals[staff_a.pk].seconds == 30 * 60
    assert totals[staff_a.pk].last_left == start + timedelta(minutes=40)
    assert totals[expert.pk].seconds == 45 * 60
    assert totals[expert.pk].last_left is None
    assert selectors.attended_seconds(session, staff_a, now=start + timedelta(minutes=45)) == 1800


def test_join_and_leave_write_one_row_per_connection(session, staff_a, other_expert):
    row = services.join(session, staff_a, channel_name="c1")
    services.leave(row.peer_id)
    services.leave(row.peer_id)  # a second disconnect changes nothing
    with pytest.raises(PermissionDenied):
        services.join(session, other_expert, channel_name="c2")

    rows = list(Attendance.objects.all())
    assert len(rows) == 1 and rows[0].left_at is not None


# --- chat rules ------------------------------------------------------------------------


def test_message_ids_are_unique_per_session_not_globally(loop, staff_a, session):
    other = services.open_request_session(loop.at(Status.CONFIRMED), actor=staff_a)
    client_id = uuid.uuid4()

    first, made_first = _say(session, staff_a, "甲", client_id)
    second, made_second = _say(other, staff_a, "乙", client_id)

    assert made_first and made_second
    assert (first.seq, second.seq) == (1, 1)


def test_too_long_message_is_refused(session, staff_a):
    with pytest.raises(ValidationError):
        _say(session, staff_a, "字" * 4001)
    assert not ChatMessage.objects.exists()


# --- TURN ------------------------------------------------------------------------------


def test_turn_credential_follows_coturns_rest_api_scheme(settings):
    settings.YILIAN_TURN_SECRET = "north-secret"
    settings.YILIAN_TURN_TTL = 3600
    user = "6f1c2a52-3a5e-4b8e-9a51-0d7c1b0f3e11"

    username, password = media.turn_credentials(user, now=1_700_000_000)

    assert username == f"1700003600:{user}"
    # echo -n "$username" | openssl dgst -sha1 -hmac north-secret -binary | base64
    assert password == "4xXM6b3tN9yDap6Owh668UMJvRY="


def test_ice_servers_hold_turn_only_with_a_secret(settings, staff_a):
    settings.YILIAN_STUN_URLS = ["stun:turn.example.org:3478"]
    settings.YILIAN_TURN_URLS = ["turn:turn.example.org:3478?transport=udp"]
    settings.YILIAN_TURN_SECRET = ""
    assert media.ice_servers(staff_a) == [{"urls": ["stun:turn.example.org:3478"]}]

    settings.YILIAN_TURN_SECRET = "s"
    turn = media.ice_servers(staff_a)[1]
    expiry, who = turn["username"].split(":", 1)
    assert who == str(staff_a.public_id)
    assert int(expiry) > timezone.now().timestamp()
    assert turn["credential"]


# --- recording consent -----------------------------------------------------------------


def test_recording_starts_only_when_everyone_present_agrees(
    session, staff_a, expert, hospital_admin_a
):
    for user in (staff_a, expert, hospital_admin_a):
        services.join(session, user, channel_name=f"c-{user.pk}")
    with pytest.raises(PermissionDenied):
        services.request_recording(session, actor=staff_a)  # not the host

    services.request_recording(session, actor=expert)
    assert services.answer_recording(session, user=staff_a, agreed=True) is False
    session.refresh_from_db()
    assert session.recording_started_at is None
    assert services.answer_recording(session, user=hospital_admin_a, agreed=True) is True

    session.refresh_from_db()
    assert session.recording_started_at is not None
    assert set(RecordingConsent.objects.values_list("user_id", "agreed")) == {
        (expert.pk, True),
        (staff_a.pk, True),
        (hospital_admin_a.pk, True),
    }


def test_one_refusal_stops_the_recording_request(session, staff_a, expert):
    for user in (staff_a, expert):
        services.join(session, user, channel_name=f"c-{user.pk}")
    services.request_recording(session, actor=expert)

    assert services.answer_recording(session, user=staff_a, agreed=False) is False

    session.refresh_from_db()
    assert session.recording_started_at is None and session.recording_requested_at is None
    assert RecordingConsent.objects.get(user=staff_a).agreed is False


# --- rooms list --------------------------------------------------------------------------


def test_rooms_page_lists_my_scheduled_sessions_only(login, scheduled, staff_a, staff_b):
    mine = login(staff_a).get("/rooms/")
    theirs = login(staff_b).get("/rooms/")

    assert mine.status_code == theirs.status_code == 200
    assert f'data-session-request="{scheduled.public_id}"' in mine.content.decode()
    assert f'data-session-request="{scheduled.public_id}"' not in theirs.content.decode()
    assert b"data-empty" in theirs.content


def test_rooms_page_runs_a_fixed_number_of_queries(
    login, loop, staff_a, django_assert_max_num_queries
):
    for _ in range(3):
        loop.at(Status.CONFIRMED)
    client = login(staff_a)
    with django_assert_max_num_queries(15):
        client.get("/rooms/")


def test_room_admin_starts_a_meeting_and_a_bad_form_keeps_the_input(
    login, hospital_a, hospital_admin_a, staff_a
):
    from yilian.accounts.models import RoleAssignment

    room = Room.objects.create(hospital=hospital_a, name="远程会议室", kind=Room.Kind.MEETING)
    room.administrators.add(hospital_admin_a)
    RoleAssignment.objects.create(user=hospital_admin_a, role=Role.ROOM_ADMIN)
    client = login(hospital_admin_a)

    bad = client.post("/rooms/", {"room": room.pk, "title": "", "people": [staff_a.pk]})
    good = client.post("/rooms/", {"room": room.pk, "title": "周例会", "people": [staff_a.pk]})

    assert bad.status_code == 422
    session = RoomSession.objects.get()
    assert good.status_code == 302 and good["Location"] == f"/rooms/{session.public_id}/"
    assert list(session.participants.all()) == [staff_a]
    assert session.host == hospital_admin_a


def test_non_admin_cannot_start_a_meeting(login, hospital_a, staff_a):
    room = Room.objects.create(hospital=hospital_a, name="远程会议室", kind=Room.Kind.MEETING)

    response = login(staff_a).post("/rooms/", {"room": room.pk, "title": "私开会议"})

    assert response.status_code == 404
    assert not RoomSession.objects.exists()


def test_connection_that_vanished_without_a_disconnect_leaves_presence_and_stops_counting(
    session, staff_a, expert
):
    ghost = services.join(session, staff_a, channel_name="lost")
    last_sign = timezone.now() - timedelta(minutes=10)
    Attendance.objects.filter(pk=ghost.pk).update(
        joined_at=last_sign - timedelta(minutes=5), seen_at=last_sign
    )

    assert [p["user"] for p in selectors.presence(session)] == []
    assert selectors.attended_seconds(session, staff_a) == 300

    services.join(session, expert, channel_name="c2")  # the next join tidies up
    ghost.refresh_from_db()
    assert ghost.left_at == last_sign


def test_ping_keeps_a_connection_alive(session, staff_a):
    row = services.join(session, staff_a, channel_name="c1")
    Attendance.objects.filter(pk=row.pk).update(seen_at=timezone.now() - timedelta(minutes=5))
    assert selectors.presence(session) == []

    services.still_here(row.peer_id)

    assert [p["peer"] for p in selectors.presence(session)] == [row.peer_id]


def test_first_one_in_tells_the_others_the_room_is_open(scheduled, staff_a, expert, english):
    from yilian.notify.models import Notification

    services.open_request_session(scheduled, actor=staff_a)
    services.open_request_session(scheduled, actor=expert)  # already open: nobody told again

    notices = Notification.objects.filter(verb="realtime.room_open")
    assert [n.recipient for n in notices] == [expert]
    assert notices[0].url == f"/rooms/request/{scheduled.public_id}/"
    assert notices[0].title == f"The cloud room of “{scheduled.title}” is open"


def test_a_vanished_connection_does_not_hold_up_recording_consent(session, staff_a, expert):
    ghost = services.join(session, staff_a, channel_name="lost")
    services.join(session, expert, channel_name="host")
    Attendance.objects.filter(pk=ghost.pk).update(  # went silent without a disconnect
        seen_at=timezone.now() - selectors.STALE_AFTER - timedelta(seconds=5)
    )
    services.request_recording(session, actor=expert)

    # The host is the only one the room shows as present: their own consent suffices.
    assert [p["user"] for p in selectors.presence(session)] == [str(expert.public_id)]
    assert services.answer_recording(session, user=expert, agreed=True) is True


def test_muted_sender_leaves_no_file_behind(login, session, staff_a, expert):
    from yilian.files.models import FileAsset

    services.moderate(session, "mute", actor=expert, target=staff_a)
    before = ChatMessage.objects.count()

    response = login(staff_a).post(
        f"/rooms/{session.public_id}/files/",
        {"id": str(uuid.uuid4()), "file": SimpleUploadedFile("x.png", PNG, "image/png")},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 403
    assert response.json()["error"] == "You have been muted in this room."
    assert not FileAsset.objects.exists()
    assert ChatMessage.objects.count() == before


def test_a_resent_id_from_another_sender_is_refused_not_answered_with_their_message(
    session, staff_a, expert
):
    client_id = uuid.uuid4()
    _say(session, staff_a, "患者血压 180/110", client_id=client_id)

    with pytest.raises(ValidationError):
        _say(session, expert, "别的内容", client_id=client_id)

    assert list(ChatMessage.objects.values_list("sender_id", "body")) == [
        (staff_a.pk, "患者血压 180/110")
    ]


def test_missed_history_comes_in_batches_until_nothing_is_left(
    monkeypatch, login, session, staff_a, expert
):
    monkeypatch.setattr(selectors, "MISSED_BATCH", 3)
    for n in range(7):
        _say(session, expert, f"第{n}条")
    client = login(staff_a)

    seen, after, more = [], 0, True
    while more:
        data = client.get(f"/rooms/{session.public_id}/messages/?after={after}").json()
        seen += [m["seq"] for m in data["items"]]
        after, more = seen[-1], data["more"]

    assert seen == list(range(1, 8))
