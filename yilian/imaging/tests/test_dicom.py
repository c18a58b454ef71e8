"""DICOM studies: a synthetic 40-slice CT series uploaded as a zip and as single files,
de-identified tag by tag, grouped by series, and shown slice by slice in the viewer."""

from __future__ import annotations

import io

import numpy as np
import pydicom
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from yilian.audit.models import AuditEntry
from yilian.files.models import FileAsset

from ..deid import CLASS_UIDS, EMPTY_ALWAYS, EMPTY_IF_PRESENT, KEEP, METHOD
from ..models import Instance, Series, Study, Upload
from .samples import IDENTIFYING, PATIENT_ID, PATIENT_NAME, ct_series, parse, zip_of

pytestmark = pytest.mark.django_db

SLICES = 40


@pytest.fixture(scope="module")
def series() -> list[bytes]:
    return ct_series(SLICES)


def _stored(study: Study) -> list[bytes]:
    out = []
    for instance in Instance.objects.filter(series__study=study).select_related("file"):
        with default_storage.open(instance.file.storage_key, "rb") as handle:
            out.append(handle.read())
    return out


def test_a_zipped_ct_series_becomes_one_study_of_one_series_in_slice_order(uploader, series):
    archive = zip_of({f"CT/IM{i:04d}.dcm": data for i, data in enumerate(reversed(series))})
    response = uploader.send("ct.zip", archive)
    assert response.status_code == 200, response.content
    study = Study.objects.get()
    assert response.json()["url"] == reverse("imaging:study", args=[study.public_id])
    assert study.instance_count == SLICES and study.deidentified
    # Free-text descriptions may name the patient ("CT CHEST ZHANG SAN"): none are kept.
    assert study.description == "" and Series.objects.get().description == ""
    assert study.modality == "CT"
    (only,) = Series.objects.filter(study=study)
    positions = [i.position for i in only.instances.order_by("position")]
    assert positions == sorted(positions) and len(positions) == SLICES
    # The zip itself was not kept: only the (de-identified) images are stored.
    assert set(FileAsset.objects.values_list("purpose", flat=True)) == {"dicom"}
    assert Upload.objects.get().status == Upload.Status.DONE


def _walk(ds: pydicom.Dataset):
    for elem in ds:
        yield elem
        if elem.VR == "SQ":
            for item in elem.value:
                yield from _walk(item)


def test_de_identified_files_hold_none_of_the_identifying_attributes(uploader, series):
    uploader.send("ct.zip", zip_of({f"IM{i}.dcm": d for i, d in enumerate(series)}))
    study = Study.objects.get()
    originals = {parse(d).InstanceNumber: parse(d) for d in series}
    stored = _stored(study)
    assert len(stored) == SLICES
    for data in stored:
        ds = parse(data)
        original = originals[ds.InstanceNumber]
        for keyword in IDENTIFYING:
            if keyword in EMPTY_ALWAYS or keyword in EMPTY_IF_PRESENT:
                assert keyword in ds and ds.data_element(keyword).value in ("", None), keyword
            else:
                assert keyword not in ds, keyword
        for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"):
            assert ds.data_element(keyword).value != original.data_element(keyword).value
        assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
        assert ds.SourceImageSequence[0].ReferencedSOPInstanceUID == ds.SOPInstanceUID
        assert not [e for e in ds if e.tag.is_private]
        assert ds.PatientIdentityRemoved == "YES"
        assert ds.DeidentificationMethod == METHOD
        assert ds.DeidentificationMethodCodeSequence[0].CodeValue == "113100"
        assert PATIENT_NAME.encode() not in data and PATIENT_ID.encode() not in data
        assert "桐庐".encode() not in data
        np.testing.assert_array_equal(ds.pixel_array, original.pixel_array)
    # UIDs were replaced consistently: one study, one series, one frame of reference.
    datasets = [parse(d) for d in stored]
    assert len({d.StudyInstanceUID for d in datasets}) == 1
    assert len({d.SeriesInstanceUID for d in datasets}) == 1
    assert len({d.FrameOfReferenceUID for d in datasets}) == 1
    assert study.study_uid == datasets[0].StudyInstanceUID
    # The link to the patient is the request's, in the database.
    assert study.request.patient is not None


SECRET = "ZHANGSAN-SECRET"

# Attributes a review found surviving a remove-list, and more from PS3.15 table E.1-1.
NOT_KEPT = {
    "RequestedProcedureID": SECRET,
    "PlacerOrderNumberImagingServiceRequest": SECRET,
    "FillerOrderNumberImagingServiceRequest": SECRET,
    "ReasonForTheRequestedProcedure": SECRET,
    "ReasonForStudy": SECRET,
    "PatientState": SECRET,
    "MedicalAlerts": SECRET,
    "Allergies": SECRET,
    "AdmittingDate": "20261101",
    "AdmittingTime": "083000",
    "PerformedStationName": SECRET,
    "PerformedLocation": SECRET,
    "StudyComments": SECRET,
    "RequestedProcedureComments": SECRET,
    "ImagingServiceRequestComments": SECRET,
    "VisitComments": SECRET,
    "AcquisitionComments": SECRET,
    "DeviceUID": "1.2.826.0.1.3680043.99.1",
    "ConcatenationUID": "1.2.826.0.1.3680043.99.2",
    # More of table E.1-1
    "StudyDescription": SECRET,
    "SeriesDescription": SECRET,
    "ProtocolName": SECRET,
    "PatientAge": "062Y",
    "PatientWeight": "70",
    "AdmissionID": SECRET,
    "ServiceEpisodeID": SECRET,
    "IssuerOfPatientID": SECRET,
    "PatientMotherBirthName": "MOTHER^" + SECRET,
    "CurrentPatientLocation": SECRET,
    "RequestingPhysician": "DOC^" + SECRET,
    "ContentCreatorName": "DOC^" + SECRET,
    "PerformedProcedureStepID": SECRET,
    "PerformedProcedureStepStartDate": "20261120",
    "PerformedProcedureStepStartTime": "101500",
    "SeriesDate": "20261120",
    "SeriesTime": "101600",
    "AcquisitionDateTime": "20261120101700",
    "InstanceCreationDate": "20261120",
    "InstanceCreationTime": "101800",
    "DateOfLastCalibration": "20260101",
    "DetectorID": SECRET,
    "GantryID": SECRET,
    "InstanceCreatorUID": "1.2.826.0.1.3680043.99.3",
    "StorageMediaFileSetUID": "1.2.826.0.1.3680043.99.4",
    "IrradiationEventUID": "1.2.826.0.1.3680043.99.5",
    "AcquisitionDeviceProcessingDescription": SECRET,
    "DerivationDescription": SECRET,
}
NOT_KEPT_SEQUENCES = (
    "InstitutionCodeSequence",
    "RequestAttributesSequence",
    "ReferencedPatientSequence",
    "OtherPatientIDsSequence",
)


def _loaded(data: bytes) -> bytes:
    """``data`` with every attribute of NOT_KEPT set, sequences of identifying items, a
    source application title, an overlay and a dated item nested in a kept sequence."""
    ds = parse(data)
    for keyword, value in NOT_KEPT.items():
        setattr(ds, keyword, value)
    for keyword in NOT_KEPT_SEQUENCES:
        item = pydicom.Dataset()
        item.CodeValue = SECRET
        item.CodeMeaning = SECRET
        item.RequestedProcedureID = SECRET
        item.ReferencedSOPInstanceUID = "1.2.826.0.1.3680043.99.6"
        setattr(ds, keyword, [item])
    ds.file_meta.SourceApplicationEntityTitle = "TONGLU_CT2"
    ds.add_new(0x60000010, "US", 64)
    ds.add_new(0x60000011, "US", 64)
    ds.add_new(0x60003000, "OW", b"\xff" * 512)
    frame = pydicom.Dataset()
    frame.FrameAcquisitionDateTime = "20261120101900"
    frame.FrameComments = SECRET
    group = pydicom.Dataset()
    group.FrameContentSequence = [frame]
    group.add_new(0x00290010, "LO", "ACME")
    ds.SharedFunctionalGroupsSequence = [group]
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def test_only_the_keep_list_survives_de_identification(uploader, series):
    sent = _loaded(series[0])
    original = parse(sent)
    original_uids = {str(e.value) for e in _walk(original) if e.VR == "UI" and e.value}
    original_uids.add(str(original.file_meta.MediaStorageSOPInstanceUID))
    assert uploader.send("IM0.dcm", sent).status_code == 200
    (data,) = _stored(Study.objects.get())
    ds = parse(data)
    added = {
        "PatientIdentityRemoved",
        "LongitudinalTemporalInformationModified",
        "DeidentificationMethod",
        "DeidentificationMethodCodeSequence",
        "CodeValue",
        "CodingSchemeDesignator",
        "CodeMeaning",
    }
    keywords = {e.keyword for e in _walk(ds)}
    for keyword in (*NOT_KEPT, *NOT_KEPT_SEQUENCES, "OverlayData", "FrameAcquisitionDateTime"):
        assert keyword not in keywords, keyword
    assert keywords <= KEEP | set(EMPTY_ALWAYS) | EMPTY_IF_PRESENT | added, keywords - KEEP
    assert not [e for e in _walk(ds) if e.tag.is_private or e.tag.group & 0xFF00 == 0x6000]
    assert ds.SharedFunctionalGroupsSequence[0].FrameContentSequence[0] == pydicom.Dataset()
    # No date or time is left with a value.
    assert not [e for e in _walk(ds) if e.VR in {"DA", "DT", "TM"} and e.value]
    # Every UID but the class UIDs and the transfer syntax is new.
    for elem in [*_walk(ds), *ds.file_meta]:
        if elem.VR == "UI" and elem.keyword not in CLASS_UIDS | {"ImplementationClassUID"}:
            assert str(elem.value) not in original_uids, elem.keyword
    assert "SourceApplicationEntityTitle" not in ds.file_meta
    assert ds.file_meta.TransferSyntaxUID == original.file_meta.TransferSyntaxUID
    assert ds.SOPClassUID == original.SOPClassUID
    assert SECRET.encode() not in data and b"TONGLU_CT2" not in data
    kept = {str(original.SOPClassUID), str(original.file_meta.TransferSyntaxUID)}
    for uid in original_uids - kept:
        assert uid.encode() not in data, uid
    np.testing.assert_array_equal(ds.pixel_array, original.pixel_array)


def test_an_image_with_burned_in_text_is_refused_for_de_identification(uploader, series):
    ds = parse(series[0])
    ds.BurnedInAnnotation = "YES"
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    response = uploader.send("IM0.dcm", buffer.getvalue())
    assert response.status_code == 422
    assert "burned into the image pixels" in response.json()["error"]
    assert Study.objects.count() == 0 and FileAsset.objects.count() == 0
    assert Upload.objects.get().status == Upload.Status.FAILED
    # Sent knowingly without de-identification, it is kept as it is.
    assert uploader.send("IM0.dcm", buffer.getvalue(), deidentify=False).status_code == 200
    assert not Study.objects.get().deidentified


# pydicom warns as the test writes the bad value; refusing it is what is tested.
BAD_UID_WARNINGS = pytest.mark.filterwarnings(
    "ignore:Invalid value for VR UI", "ignore:The value length .* exceeds"
)


@BAD_UID_WARNINGS
@pytest.mark.parametrize("deidentify", [True, False])
@pytest.mark.parametrize("keyword", ["StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"])
def test_a_file_with_a_uid_that_is_not_digits_and_dots_is_refused(
    uploader, series, keyword, deidentify
):
    ds = parse(series[0])
    crafted = "1.2.3/../../instances?x=1"
    setattr(ds, keyword, crafted)
    if keyword == "SOPInstanceUID":
        ds.file_meta.MediaStorageSOPInstanceUID = crafted
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    response = uploader.send("IM0.dcm", buffer.getvalue(), deidentify=deidentify)
    assert response.status_code == 422
    error = response.json()["error"]
    assert f"invalid {keyword}" in error and "digits and dots" in error
    assert Study.objects.count() == 0 and FileAsset.objects.count() == 0


@BAD_UID_WARNINGS
def test_a_uid_longer_than_64_characters_is_refused(uploader, series):
    ds = parse(series[0])
    ds.StudyInstanceUID = "1." + "2" * 70
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    response = uploader.send("IM0.dcm", buffer.getvalue(), deidentify=False)
    assert response.status_code == 422 and "invalid StudyInstanceUID" in response.json()["error"]
    assert Study.objects.count() == 0


def test_files_of_one_study_sent_one_by_one_join_the_same_study_with_consistent_uids(
    uploader, series
):
    for i, data in enumerate(series[:3]):
        assert uploader.send(f"IM{i}.dcm", data).status_code == 200
    study = Study.objects.get()
    assert study.instance_count == 3
    datasets = [parse(d) for d in _stored(study)]
    assert len({d.SeriesInstanceUID for d in datasets}) == 1
    assert {d.StudyInstanceUID for d in datasets} == {study.study_uid}


def test_without_de_identification_the_files_are_kept_as_sent(uploader, series):
    uploader.send("IM0.dcm", series[0], deidentify=False)
    study = Study.objects.get()
    assert not study.deidentified
    assert study.description == IDENTIFYING["StudyDescription"]
    (data,) = _stored(study)
    ds = parse(data)
    assert str(ds.PatientName) == PATIENT_NAME and ds.PatientID == PATIENT_ID


def test_a_zip_without_dicom_images_is_refused(uploader):
    response = uploader.send("notes.zip", zip_of({"readme.txt": b"hello" * 100}))
    assert response.status_code == 422
    assert "holds no DICOM images" in response.json()["error"]
    assert Study.objects.count() == 0 and FileAsset.objects.count() == 0


def test_the_viewer_lists_the_series_and_renders_every_slice_with_each_preset(uploader, series):
    uploader.send("ct.zip", zip_of({f"IM{i}.dcm": d for i, d in enumerate(series)}))
    study = Study.objects.get()
    page = uploader.client.get(reverse("imaging:study", args=[study.public_id]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-dicom-viewer" in html and 'data-preset="lung"' in html
    assert 'data-preset="bone"' in html and 'data-preset="brain"' in html
    instances = list(Instance.objects.filter(series__study=study).select_related("file"))
    urls = [reverse("imaging:slice", args=[study.public_id, i.file.public_id]) for i in instances]
    assert all(url in html for url in urls)
    pictures = set()
    for url in urls:
        response = uploader.client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        image = Image.open(io.BytesIO(response.content))
        assert image.size == (64, 64)
        pictures.add(response.content)
    assert len(pictures) > 1  # the slices differ
    lung = np.asarray(Image.open(io.BytesIO(uploader.client.get(urls[0] + "?preset=lung").content)))
    bone = np.asarray(Image.open(io.BytesIO(uploader.client.get(urls[0] + "?preset=bone").content)))
    # Soft tissue (40 HU) is bright in the lung window and dark in the bone window.
    assert lung[32, 5] > 150 > bone[32, 5]
    assert AuditEntry.objects.filter(action="view", object_id=str(study.public_id)).count() == 1


def test_the_request_page_lists_the_study(uploader, series):
    uploader.send("IM0.dcm", series[0])
    study = Study.objects.get()
    page = uploader.client.get(reverse("workflow:detail", args=[uploader.request.public_id]))
    assert f'data-study="{study.public_id}"' in page.content.decode()
    assert "de-identified" in page.content.decode()


def test_a_dicom_file_renders_through_pydicom_after_de_identification(uploader, series):
    uploader.send("IM0.dcm", series[0])
    (data,) = _stored(Study.objects.get())
    ds = pydicom.dcmread(io.BytesIO(data))
    assert ds.Modality == "CT" and ds.Rows == 64
