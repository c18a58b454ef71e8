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

from ..deid import ACTIONS, METHOD
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
            action = ACTIONS[keyword]
            assert action in {"X", "Z"}, keyword
            if action == "X":
                assert keyword not in ds, keyword
            else:
                assert keyword in ds and ds.data_element(keyword).value in ("", None), keyword
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
