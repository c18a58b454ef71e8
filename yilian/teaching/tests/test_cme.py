"""CME classes: enrolment with quota and approval, attendance (room and QR check-in)
measured against the rule, credits, certificates and their public verification, and who
sees what."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from yilian.analytics.models import ActivityEvent, Metric
from yilian.core.masking import mask_name
from yilian.core.tests.cache import unreachable_redis_caches
from yilian.core.tests.pdf import needs_poppler, pdf_text
from yilian.orgs.models import Room
from yilian.realtime.models import Attendance as RoomAttendance

from .. import cme_selectors as selectors
from .. import cme_services as services
from ..models import AttendanceRule, CheckIn, Credit, Enrolment, EnrolmentStatus
from .conftest import make_cme_class


def _session(cme_class):
    return cme_class.sessions.get()


def _passed_credit(cme_class, learner) -> Credit:
    services.enrol(cme_class, learner=learner)
    services.check_in(_session(cme_class), learner=learner)
    return Credit.objects.get(learner=learner, cme_class=cme_class)


# --- enrolment ---------------------------------------------------------------------------


def test_the_last_place_goes_to_the_first_learner_and_the_next_is_told_it_is_full(
    manager, staff_a, staff_b
):
    cme_class = make_cme_class(manager, quota=1)

    first = services.enrol(cme_class, learner=staff_a)
    with pytest.raises(ValidationError, match="The class is full"):
        services.enrol(cme_class, learner=staff_b)

    assert first.status == EnrolmentStatus.APPROVED
    assert list(Enrolment.objects.values_list("learner", flat=True)) == [staff_a.pk]
    assert selectors.places_left(cme_class) == 0


def test_enrolling_twice_keeps_one_enrolment(cme_class, staff_a):
    one = services.enrol(cme_class, learner=staff_a)
    two = services.enrol(cme_class, learner=staff_a)

    assert one.pk == two.pk
    assert Enrolment.objects.count() == 1


def test_a_cancelled_place_can_be_taken_by_someone_else(manager, staff_a, staff_b):
    cme_class = make_cme_class(manager, quota=1)
    enrolment = services.enrol(cme_class, learner=staff_a)

    services.cancel_enrolment(enrolment, actor=staff_a)
    services.enrol(cme_class, learner=staff_b)

    statuses = dict(Enrolment.objects.values_list("learner", "status"))
    assert statuses == {staff_a.pk: "cancelled", staff_b.pk: "approved"}


def test_only_the_learner_cancels_their_enrolment(cme_class, staff_a, staff_b):
    enrolment = services.enrol(cme_class, learner=staff_a)
    with pytest.raises(PermissionDenied):
        services.cancel_enrolment(enrolment, actor=staff_b)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.APPROVED


def test_enrolment_with_approval_waits_then_is_approved_or_refused(manager, staff_a, staff_b):
    cme_class = make_cme_class(manager, needs_approval=True)
    a = services.enrol(cme_class, learner=staff_a)
    b = services.enrol(cme_class, learner=staff_b)
    assert (a.status, b.status) == (EnrolmentStatus.PENDING, EnrolmentStatus.PENDING)

    services.decide(a, actor=manager, approve=True)
    services.decide(b, actor=manager, approve=False)

    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, a.decided_by) == (EnrolmentStatus.APPROVED, manager)
    assert b.status == EnrolmentStatus.REFUSED
    assert selectors.places_left(cme_class) == cme_class.quota - 1
    with pytest.raises(ValidationError, match="refused"):
        services.enrol(cme_class, learner=staff_b)


def test_a_learner_cannot_approve_enrolments(manager, staff_a, staff_b):
    cme_class = make_cme_class(manager, needs_approval=True)
    enrolment = services.enrol(cme_class, learner=staff_a)
    with pytest.raises(PermissionDenied):
        services.decide(enrolment, actor=staff_b, approve=True)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.PENDING


def test_enrolment_outside_the_window_is_refused(manager, staff_a):
    cme_class = make_cme_class(manager)
    cme_class.enrol_closes = timezone.now() - timedelta(minutes=1)
    cme_class.save()
    with pytest.raises(ValidationError, match="not open"):
        services.enrol(cme_class, learner=staff_a)
    assert not Enrolment.objects.exists()


def test_patients_cannot_enrol(cme_class, patient):
    with pytest.raises(PermissionDenied):
        services.enrol(cme_class, learner=patient)
    assert not Enrolment.objects.exists()


def test_the_quota_cannot_drop_below_the_places_taken(manager, staff_a, staff_b):
    cme_class = make_cme_class(manager, quota=5)
    services.enrol(cme_class, learner=staff_a)
    services.enrol(cme_class, learner=staff_b)
    data = services.ClassData(
        title=cme_class.title,
        credit_class=cme_class.credit_class,
        credit_amount=cme_class.credit_amount,
        quota=1,
        enrol_opens=cme_class.enrol_opens,
        enrol_closes=cme_class.enrol_closes,
        rule=cme_class.rule,
        rule_value=cme_class.rule_value,
    )
    with pytest.raises(ValidationError) as caught:
        services.save_class(actor=manager, data=data, cme_class=cme_class)
    assert "2 places are taken" in caught.value.message_dict["quota"][0]
    cme_class.refresh_from_db()
    assert cme_class.quota == 5


# --- QR check-in, the rule, credits --------------------------------------------------------


def test_a_check_in_passes_the_sessions_rule_and_issues_the_credits_once(
    cme_class, staff_a, django_capture_on_commit_callbacks
):
    services.enrol(cme_class, learner=staff_a)
    session = _session(cme_class)
    token = services.check_in_token(session)

    with django_capture_on_commit_callbacks(execute=True):
        services.check_in(services.session_of_token(token), learner=staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.check_in(session, learner=staff_a)  # scanned twice

    credit = Credit.objects.get()
    assert (credit.learner, credit.amount, credit.credit_class) == (staff_a, Decimal("2.0"), "II")
    assert len(credit.code) == 16 and credit.code.isalnum() and credit.code.isupper()
    assert CheckIn.objects.count() == 1
    enrolment = Enrolment.objects.get()
    assert enrolment.passed is True and enrolment.attended_at is not None
    events = {(e.action, e.kind, e.amount) for e in ActivityEvent.objects.all()}
    assert events == {(Metric.TRAINING, "cme_class", 1), (Metric.CREDITS, "cme_class", 20)}


def test_codes_are_not_repeated(cme_class, make_user, hospital_a):
    codes = {services.new_code() for _ in range(200)}
    assert len(codes) == 200


def test_a_forged_or_expired_check_in_code_is_refused(cme_class, staff_a):
    services.enrol(cme_class, learner=staff_a)
    session = _session(cme_class)
    with pytest.raises(services.CheckInRefused, match="not a valid"):
        services.session_of_token(session.public_id.hex + ":forged:signature")
    with freeze_time(timezone.now() - timedelta(seconds=services.CHECK_IN_MAX_AGE + 5)):
        old = services.check_in_token(session)
    with pytest.raises(services.CheckInRefused, match="expired"):
        services.session_of_token(old)
    assert not CheckIn.objects.exists()


def test_only_enrolled_learners_check_in(cme_class, staff_b):
    with pytest.raises(PermissionDenied):
        services.check_in(_session(cme_class), learner=staff_b)
    assert not CheckIn.objects.exists()


def test_check_in_outside_the_session_is_refused(manager, staff_a):
    cme_class = make_cme_class(manager)
    session = _session(cme_class)
    services.enrol(cme_class, learner=staff_a)
    session.starts_at = timezone.now() + timedelta(hours=3)
    session.ends_at = timezone.now() + timedelta(hours=4)
    session.save()
    with pytest.raises(services.CheckInRefused):
        services.check_in(session, learner=staff_a)
    assert not CheckIn.objects.exists()


@pytest.fixture
def teaching_room(lead_hospital, manager) -> Room:
    return Room.objects.create(hospital=lead_hospital, name="云教室一", kind=Room.Kind.TEACHING)


def _in_room(room_session, user, start, minutes):
    RoomAttendance.objects.create(
        session=room_session,
        user=user,
        peer_id=f"{user.pk}-{start.timestamp()}",
        channel_name="test",
        joined_at=start,
        left_at=start + timedelta(minutes=minutes),
        seen_at=start + timedelta(minutes=minutes),
    )


@pytest.mark.parametrize(("minutes", "passes"), [(40, True), (20, False)])
def test_the_minutes_rule_is_measured_from_time_in_the_teaching_room(
    manager, staff_a, teaching_room, minutes, passes
):
    cme_class = make_cme_class(
        manager, room=teaching_room, rule=AttendanceRule.MINUTES, rule_value=50
    )
    session = _session(cme_class)
    services.enrol(cme_class, learner=staff_a)
    room_session = services.enter_room(session, user=staff_a)
    assert room_session.participants.filter(pk=staff_a.pk).exists()
    _in_room(room_session, staff_a, session.starts_at, minutes)

    assert services.evaluate(Enrolment.objects.get()) is passes

    attendance = selectors.attendance_of(Enrolment.objects.get())
    assert attendance.attended_minutes == minutes
    assert Credit.objects.filter(learner=staff_a).exists() is passes


def test_organisers_evaluate_the_whole_class(manager, staff_a, staff_b, teaching_room):
    cme_class = make_cme_class(
        manager, room=teaching_room, rule=AttendanceRule.MINUTES, rule_value=50
    )
    session = _session(cme_class)
    for learner in (staff_a, staff_b):
        services.enrol(cme_class, learner=learner)
    room_session = services.enter_room(session, user=staff_a)
    _in_room(room_session, staff_a, session.starts_at, 45)

    assert services.evaluate_class(cme_class, actor=manager) == (2, 1)
    with pytest.raises(PermissionDenied):
        services.evaluate_class(cme_class, actor=staff_a)
    assert list(Credit.objects.values_list("learner", flat=True)) == [staff_a.pk]


def test_outsiders_cannot_enter_the_class_room(manager, staff_b, teaching_room):
    cme_class = make_cme_class(manager, room=teaching_room)
    with pytest.raises(PermissionDenied):
        services.enter_room(_session(cme_class), user=staff_b)


def test_credits_per_year_split_by_class(manager, staff_a):
    first = make_cme_class(manager, title="甲", credit_amount=Decimal("1.5"), credit_class="I")
    second = make_cme_class(manager, title="乙", credit_amount=Decimal("2.0"))
    _passed_credit(first, staff_a)
    _passed_credit(second, staff_a)

    [year] = selectors.credit_totals_by_year(staff_a)
    assert (year.class_i, year.class_ii, year.total) == (
        Decimal("1.5"),
        Decimal("2.0"),
        Decimal("3.5"),
    )


# --- pages: certificate, verification, scoping -----------------------------------------------


@needs_poppler
def test_the_certificate_names_the_learner_class_credits_and_code(login, cme_class, staff_a):
    credit = _passed_credit(cme_class, staff_a)
    response = login(staff_a).get(reverse("teaching:cme_certificate", args=[credit.public_id]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in (staff_a.name, cme_class.title, credit.display_code, "2.0"):
        assert expected in text


def test_another_learner_gets_404_for_a_certificate(login, cme_class, staff_a, staff_b):
    credit = _passed_credit(cme_class, staff_a)
    response = login(staff_b).get(reverse("teaching:cme_certificate", args=[credit.public_id]))
    assert response.status_code == 404


def test_my_credits_shows_only_my_own(login, cme_class, staff_a, staff_b):
    credit = _passed_credit(cme_class, staff_a)
    mine = login(staff_a).get(reverse("teaching:cme_credits")).content.decode()
    theirs = login(staff_b).get(reverse("teaching:cme_credits")).content.decode()
    assert credit.display_code in mine
    assert credit.display_code not in theirs
    assert "No credits yet" in theirs


def test_the_public_verification_page_confirms_a_genuine_code_with_the_name_masked(
    client, cme_class, staff_a
):
    credit = _passed_credit(cme_class, staff_a)
    response = client.get(
        reverse("teaching:cme_verify"), {"code": credit.display_code.lower()}
    )  # as typed
    page = response.content.decode()

    assert response.status_code == 200
    assert "This certificate is genuine." in page
    assert mask_name(staff_a.name) in page and staff_a.name not in page
    assert cme_class.title in page and "2.0" in page


def test_a_forged_code_is_rejected_clearly(client, cme_class, staff_a):
    _passed_credit(cme_class, staff_a)
    response = client.get(reverse("teaching:cme_verify_code", args=["ABCD-EFGH-IJKL-MNOP"]))
    assert response.status_code == 404
    assert "No certificate has this code" in response.content.decode()
    assert cme_class.title not in response.content.decode()


def test_verification_lookups_are_rate_limited(client, settings, cme_class, staff_a):
    settings.YILIAN_VERIFY_RATE = "2/h"
    credit = _passed_credit(cme_class, staff_a)
    url = reverse("teaching:cme_verify_code", args=[credit.code])
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]


def test_verification_is_refused_while_its_limit_cannot_be_counted(
    client, settings, cme_class, staff_a
):
    credit = _passed_credit(cme_class, staff_a)
    url = reverse("teaching:cme_verify_code", args=[credit.code])
    settings.CACHES = unreachable_redis_caches()  # Redis down: nothing can be counted

    response = client.get(url)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert mask_name(staff_a.name) not in response.content.decode()


@pytest.mark.parametrize("who", ["patient", "anonymous"])
def test_patients_and_anonymous_visitors_see_no_class_or_record(
    client, login, request, who, cme_class, staff_a
):
    credit = _passed_credit(cme_class, staff_a)
    if who == "patient":
        login(request.getfixturevalue("patient"))
    for url in (
        reverse("teaching:cme_classes"),
        reverse("teaching:cme_class", args=[cme_class.public_id]),
        reverse("teaching:cme_credits"),
        reverse("teaching:cme_certificate", args=[credit.public_id]),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        assert cme_class.title.encode() not in response.content
    response = client.post(reverse("teaching:cme_enrol", args=[cme_class.public_id]))
    assert response.status_code in (302, 403)
    assert Enrolment.objects.count() == 1


def test_unpublished_classes_are_hidden_from_learners(login, manager, staff_a):
    cme_class = make_cme_class(manager)
    cme_class.published = False
    cme_class.save()
    client = login(staff_a)
    assert cme_class.title not in client.get(reverse("teaching:cme_classes")).content.decode()
    assert client.get(reverse("teaching:cme_class", args=[cme_class.public_id])).status_code == 404


def test_the_class_page_enrols_and_shows_the_places_left(login, manager, staff_a):
    cme_class = make_cme_class(manager, quota=3)
    client = login(staff_a)
    url = reverse("teaching:cme_class", args=[cme_class.public_id])
    assert "3 places left" in client.get(url).content.decode()

    client.post(reverse("teaching:cme_enrol", args=[cme_class.public_id]))

    page = client.get(url).content.decode()
    assert 'data-status="approved"' in page
    assert Enrolment.objects.get().learner == staff_a


def test_the_check_in_page_records_attendance_on_the_phone(login, cme_class, staff_a):
    services.enrol(cme_class, learner=staff_a)
    url = reverse("teaching:cme_check_in", args=[services.check_in_token(_session(cme_class))])
    client = login(staff_a)
    assert "Check in" in client.get(url).content.decode()
    assert not CheckIn.objects.exists()  # opening the page records nothing

    response = client.post(url)

    assert response.status_code == 302
    assert CheckIn.objects.get().learner == staff_a


def test_the_organiser_sees_a_qr_code_learners_do_not(login, cme_class, manager, staff_a):
    url = reverse("teaching:cme_code", args=[_session(cme_class).public_id])
    response = login(manager).get(url)
    assert response.status_code == 200
    assert "<svg" in response.content.decode()
    assert "data-check-in-url" in response.content.decode()
    assert login(staff_a).get(url).status_code == 403


def test_the_attendance_sheet_exports(login, cme_class, manager, staff_a):
    _passed_credit(cme_class, staff_a)
    response = login(manager).get(
        reverse("teaching:cme_attendance", args=[cme_class.public_id]), {"format": "csv"}
    )
    body = response.content.decode("utf-8-sig")
    assert response.status_code == 200
    assert staff_a.name in body and "2.0" in body


def test_the_organiser_is_told_of_a_pending_enrolment_and_the_learner_of_the_decision(
    manager, staff_a, django_capture_on_commit_callbacks
):
    from yilian.notify.models import Notification

    cme_class = make_cme_class(manager, needs_approval=True)
    with django_capture_on_commit_callbacks(execute=True):
        enrolment = services.enrol(cme_class, learner=staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(enrolment, actor=manager, approve=True)

    told = {(n.recipient_id, n.url) for n in Notification.objects.filter(verb="cme_enrolment")}
    assert told == {
        (manager.pk, reverse("teaching:cme_enrolments", args=[cme_class.public_id])),
        (staff_a.pk, reverse("teaching:cme_class", args=[cme_class.public_id])),
    }


def test_the_class_list_filters_by_credit_class_and_searches(login, manager, staff_a):
    make_cme_class(manager, title="心电图判读班", credit_class="I")
    make_cme_class(manager, title="糖尿病管理班", credit_class="II")
    client = login(staff_a)
    url = reverse("teaching:cme_classes")

    class_i = client.get(url, {"credit_class": "I"}).content.decode()
    found = client.get(url, {"q": "糖尿病"}).content.decode()
    none = client.get(url, {"q": "骨科"}).content.decode()

    assert "心电图判读班" in class_i and "糖尿病管理班" not in class_i
    assert "糖尿病管理班" in found and "心电图判读班" not in found
    assert "No class matches your search." in none


def test_time_in_the_room_outside_the_session_does_not_count(manager, staff_a, teaching_room):
    cme_class = make_cme_class(
        manager, room=teaching_room, rule=AttendanceRule.MINUTES, rule_value=50
    )
    session = _session(cme_class)
    services.enrol(cme_class, learner=staff_a)
    room_session = services.enter_room(session, user=staff_a)
    # In the room from 25 minutes before the start until 10 minutes after it.
    _in_room(room_session, staff_a, session.starts_at - timedelta(minutes=25), 35)

    attendance = selectors.attendance_of(Enrolment.objects.get())

    assert attendance.attended_minutes == 10
    assert services.evaluate(Enrolment.objects.get()) is False
