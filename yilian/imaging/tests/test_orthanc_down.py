"""With Orthanc down (its configured address a closed loopback port) a study is still
uploaded, kept with the request and viewed from the copy kept here; the pages say the image
archive is unavailable; once a real Orthanc answers, the waiting studies are sent."""

from __future__ import annotations

import shutil

import pytest
from django.core.management import call_command
from django.urls import reverse

from yilian.core import health

from ..models import Instance, OrthancState, Study
from .samples import ct_series, free_port, running_orthanc

pytestmark = pytest.mark.django_db

NOTICE = 'data-unavailable="image_archive"'


@pytest.fixture
def orthanc_down(settings) -> str:
    settings.YILIAN_ORTHANC_URL = f"http://127.0.0.1:{free_port()}"
    return settings.YILIAN_ORTHANC_URL


def test_a_study_sent_while_orthanc_is_down_is_kept_viewable_and_waiting(uploader, orthanc_down):
    page = uploader.client.get(reverse("workflow:detail", args=[uploader.request.public_id]))
    assert NOTICE in page.content.decode()  # said before anyone sends a file
    assert "data-resumable-upload" in page.content.decode()  # and the form is still there

    response = uploader.send("IM0.dcm", ct_series(1)[0])
    assert response.status_code == 200
    study = Study.objects.get()
    assert study.orthanc == OrthancState.FAILED

    viewer = uploader.client.get(reverse("imaging:study", args=[study.public_id]))
    assert viewer.status_code == 200
    html = viewer.content.decode()
    assert NOTICE in html and "data-dicom-viewer" in html
    assert orthanc_down.split("//")[1] not in html  # no internal address for users
    instance = Instance.objects.select_related("file").get(series__study=study)
    png = uploader.client.get(
        reverse("imaging:slice", args=[study.public_id, instance.file.public_id])
    )
    assert png.status_code == 200 and png["Content-Type"] == "image/png"


def test_without_orthanc_configured_nothing_is_said(uploader, settings):
    settings.YILIAN_ORTHANC_URL = ""
    uploader.send("IM0.dcm", ct_series(1)[0])
    study = Study.objects.get()
    assert study.orthanc == OrthancState.NONE
    viewer = uploader.client.get(reverse("imaging:study", args=[study.public_id]))
    assert NOTICE not in viewer.content.decode()


@pytest.mark.skipif(shutil.which("Orthanc") is None, reason="Debian's orthanc is needed")
def test_waiting_studies_are_sent_once_orthanc_answers(uploader, orthanc_down, settings):
    uploader.send("IM0.dcm", ct_series(1)[0])
    study = Study.objects.get()
    assert study.orthanc == OrthancState.FAILED
    call_command("send_waiting_studies")  # still down: nothing sent, nothing lost
    study.refresh_from_db()
    assert study.orthanc == OrthancState.FAILED

    with running_orthanc() as url:
        settings.YILIAN_ORTHANC_URL = url  # back (at its new address)
        viewer = uploader.client.get(reverse("imaging:study", args=[study.public_id]))
        assert NOTICE not in viewer.content.decode()
        call_command("send_waiting_studies")
        study.refresh_from_db()
        assert study.orthanc == OrthancState.SENT
        from .. import orthanc

        body, _type = orthanc.get(f"studies?StudyInstanceUID={study.study_uid}")
        assert study.study_uid in body.decode()
    assert health.status("orthanc", fresh=True).state == health.State.DOWN
