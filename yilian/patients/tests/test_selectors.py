import pytest
from django.http import Http404

from yilian.orgs.models import Team
from yilian.patients.models import Patient
from yilian.patients.selectors import get_patient_for_user, patients_visible_to
from yilian.workflow import registry
from yilian.workflow.models import BusinessRequest, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(hospital_a, staff_a):
    return Patient.objects.create(hospital=hospital_a, name="王某某", created_by=staff_a)


def test_the_patients_hospital_sees_them_others_get_404(patient, staff_a, staff_b, manager):
    assert list(patients_visible_to(staff_a)) == [patient]
    for outsider in (staff_b, manager):
        assert not patients_visible_to(outsider).exists()
        with pytest.raises(Http404):
            get_patient_for_user(outsider, patient.public_id)


def test_an_expert_sees_the_patient_only_while_a_request_about_them_is_open(
    patient, staff_a, expert, lead_hospital
):
    registry.register(registry.Kind(code="pt_test", label="x", module="medical"))
    try:
        team = Team.objects.create(hospital=lead_hospital, name="会诊组", specialty="cardiology")
        team.members.add(expert)
        request = BusinessRequest.objects.create(
            kind="pt_test",
            applicant=staff_a,
            applicant_hospital=staff_a.hospital,
            title="会诊",
            patient=patient,
            team=team,
            status=Status.IN_PROGRESS,
        )
        assert list(patients_visible_to(expert)) == [patient]

        BusinessRequest.objects.filter(pk=request.pk).update(status=Status.CLOSED)
        assert not patients_visible_to(expert).exists()
    finally:
        registry.unregister("pt_test")
