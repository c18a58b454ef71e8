"""Who sees imaging: whoever sees the request. Another hospital's staff get a 404 for
studies, slices, slides, tiles, annotations, uploads and the stored files, and nothing
changes on their attempts; every denied file download is audited."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from yilian.audit.models import AuditEntry

from ..models import Annotation, Instance, Slide, Snapshot, Study, Upload
from .samples import ct_series, pyramidal_tiff

pytestmark = pytest.mark.django_db


@pytest.fixture
def imaging(uploader, tmp_path, client, radiologist):
    assert uploader.send("IM0.dcm", ct_series(1)[0]).status_code == 200
    tiff = pyramidal_tiff(tmp_path / "s.tiff", size=512).read_bytes()
    assert uploader.send("s.tiff", tiff, kind="slide").status_code == 200
    study, slide = Study.objects.get(), Slide.objects.get()
    expert = Client(HTTP_ACCEPT_LANGUAGE="en")
    expert.force_login(radiologist)
    shot = expert.post(
        reverse("imaging:snapshot", args=[slide.public_id]),
        {"x": 0, "y": 0, "width": 100, "height": 100},
    )
    assert shot.status_code == 201
    open_upload = uploader.start("half.dcm", 1000).json()["id"]
    return study, slide, open_upload


def _urls(study, slide, upload_id):
    instance = Instance.objects.select_related("file").get(series__study=study)
    snapshot = Snapshot.objects.select_related("file").get()
    return {
        "study": ("get", reverse("imaging:study", args=[study.public_id])),
        "slice": ("get", reverse("imaging:slice", args=[study.public_id, instance.file.public_id])),
        "dicom file": ("get", reverse("files:download", args=[instance.file.public_id])),
        "slide": ("get", reverse("imaging:slide", args=[slide.public_id])),
        "dzi": ("get", reverse("imaging:dzi", args=[slide.public_id])),
        "tile": ("get", reverse("imaging:tile", args=[slide.public_id, 9, 0, 0])),
        "slide file": ("get", reverse("files:download", args=[slide.file.public_id])),
        "snapshot file": ("get", reverse("files:download", args=[snapshot.file.public_id])),
        "annotations": ("get", reverse("imaging:annotations", args=[slide.public_id])),
        "annotate": ("post", reverse("imaging:annotations", args=[slide.public_id])),
        "snapshot": ("post", reverse("imaging:snapshot", args=[slide.public_id])),
        "upload status": ("get", reverse("imaging:upload_status", args=[upload_id])),
        "upload complete": ("post", reverse("imaging:upload_complete", args=[upload_id])),
        "upload start": (
            "post",
            reverse("imaging:upload_start", args=[study.request.public_id]),
        ),
    }


def test_another_hospitals_staff_get_404_for_everything_and_nothing_changes(imaging, staff_b):
    study, slide, upload_id = imaging
    outsider = Client(HTTP_ACCEPT_LANGUAGE="en")
    outsider.force_login(staff_b)
    region = {
        "x": 0,
        "y": 0,
        "width": 10,
        "height": 10,
        "comment": "x",
        "kind": "dicom",
        "name": "x.dcm",
        "size": 10,
    }
    before = (Annotation.objects.count(), Snapshot.objects.count(), Upload.objects.count())
    for name, (method, url) in _urls(study, slide, upload_id).items():
        response = getattr(outsider, method)(url, region) if method == "post" else outsider.get(url)
        assert response.status_code == 404, name
    assert (Annotation.objects.count(), Snapshot.objects.count(), Upload.objects.count()) == before
    assert (
        AuditEntry.objects.filter(actor=staff_b, action="download", outcome="denied").count() == 3
    )


def test_the_applicants_hospital_and_the_assigned_experts_see_the_images(
    imaging, client, radiologist, staff_a
):
    study, slide, upload_id = imaging
    urls = _urls(study, slide, upload_id)
    for user in (staff_a, radiologist):
        viewer = Client(HTTP_ACCEPT_LANGUAGE="en")
        viewer.force_login(user)
        for name in ("study", "slice", "dicom file", "slide", "dzi", "tile", "annotations"):
            assert viewer.get(urls[name][1]).status_code == 200, (user, name)


def test_an_upload_is_only_its_uploaders(imaging, make_user):
    from yilian.accounts.roles import Role

    study, _slide, upload_id = imaging
    colleague = make_user(Role.STAFF, hospital=study.request.applicant_hospital)
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.force_login(colleague)
    assert other.get(reverse("imaging:upload_status", args=[upload_id])).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(imaging):
    study, _slide, _upload = imaging
    response = Client().get(reverse("imaging:study", args=[study.public_id]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
