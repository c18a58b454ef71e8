from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from yilian.files import services
from yilian.files.models import FileAsset
from yilian.files.selectors import files_for
from yilian.files.validators import SCANS, check_upload
from yilian.workflow.models import BusinessRequest, Status

from .samples import docx_bytes, pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def _stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- checking what a file is ------------------------------------------------------------


def test_the_type_comes_from_the_content_not_the_name():
    assert check_upload(upload("scan.exe", pdf_bytes()), SCANS) == "application/pdf"
    with pytest.raises(ValidationError, match=r"is a Word \(\.docx\) file; only PDF、JPEG、PNG"):
        check_upload(upload("licence.pdf", docx_bytes(), "application/pdf"), SCANS)


def test_unknown_content_is_refused_even_with_a_trusted_name():
    with pytest.raises(ValidationError, match="not a file type accepted here") as refused:
        check_upload(upload("report.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf"))
    assert refused.value.code == "type"


def test_empty_and_oversized_files_are_refused():
    with pytest.raises(ValidationError, match="is empty"):
        check_upload(upload("empty.pdf", b""))
    with pytest.raises(ValidationError) as refused:
        check_upload(upload("big.png", png_bytes() + b"\x00" * 2048), max_bytes=1024)
    assert refused.value.code == "too_large"
    assert refused.value.messages == ["“big.png” is 2.1\u00a0KB; files may be at most 1.0\u00a0KB."]


# --- storing ------------------------------------------------------------------------------


def test_a_stored_file_is_hashed_typed_and_kept_outside_the_web_root(
    business_request, staff_a, settings
):
    content = pdf_bytes("进修")
    asset = services.store_upload(
        upload("../../执业证书.pdf", content),
        owner=staff_a,
        target=business_request,
        purpose="licence",
    )

    assert asset.original_name == "执业证书.pdf"
    assert asset.sha256 == hashlib.sha256(content).hexdigest()
    assert asset.size == len(content)
    assert asset.mime_type == "application/pdf"
    assert asset.hospital == staff_a.hospital
    assert "执业" not in asset.storage_key and ".." not in asset.storage_key
    [stored] = _stored_files(settings)
    assert stored.read_bytes() == content
    assert Path(settings.MEDIA_ROOT) in stored.parents
    assert not stored.is_relative_to(Path(settings.STATIC_ROOT))
    assert files_for(business_request, purpose="licence") == [asset]


def test_a_bad_file_leaves_nothing_behind(business_request, staff_a, settings):
    with pytest.raises(ValidationError):
        services.store_upload(
            upload("x.pdf", b"not a pdf at all"), owner=staff_a, target=business_request
        )
    assert FileAsset.objects.count() == 0
    assert _stored_files(settings) == []


def test_only_people_who_may_attach_can_store(business_request, staff_b, expert, settings):
    for outsider in (staff_b, expert):
        with pytest.raises(PermissionDenied):
            services.store_upload(
                upload("a.pdf", pdf_bytes()), owner=outsider, target=business_request
            )
    assert _stored_files(settings) == []


def test_no_files_are_added_to_a_cancelled_request(business_request, staff_a):
    BusinessRequest.objects.filter(pk=business_request.pk).update(status=Status.CANCELLED)
    business_request.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.store_upload(upload("a.pdf", pdf_bytes()), owner=staff_a, target=business_request)


# --- the views ------------------------------------------------------------------------------


def _upload_url(target) -> str:
    return reverse("files:upload", args=[target._meta.label_lower, target.public_id])


def test_upload_and_download_through_the_authorising_views(
    client, login, business_request, staff_a, make_user
):
    login(staff_a)
    response = client.post(
        _upload_url(business_request),
        {"file": upload("检查报告.png", png_bytes(), "image/png"), "next": "/requests/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/requests/"
    asset = FileAsset.objects.get()

    # A colleague in the same hospital may read it; the download is private and typed.
    colleague = make_user("staff", hospital=staff_a.hospital)
    login(colleague)
    response = client.get(reverse("files:download", args=[asset.public_id]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith("attachment")
    inline = client.get(reverse("files:download", args=[asset.public_id]) + "?inline=1")
    assert inline["Content-Disposition"].startswith("inline")


def test_other_hospitals_get_404_for_files_and_uploads(
    client, login, business_request, staff_a, staff_b, settings
):
    asset = services.store_upload(
        upload("a.pdf", pdf_bytes()), owner=staff_a, target=business_request
    )
    login(staff_b)
    assert client.get(reverse("files:download", args=[asset.public_id])).status_code == 404
    response = client.post(_upload_url(business_request), {"file": upload("b.pdf", pdf_bytes())})
    assert response.status_code == 404
    assert client.post(reverse("files:remove", args=[asset.public_id])).status_code == 404
    assert FileAsset.objects.count() == 1
    assert len(_stored_files(settings)) == 1


def test_an_unregistered_target_is_404(client, login, staff_a):
    login(staff_a)
    response = client.post(
        reverse("files:upload", args=["accounts.user", staff_a.public_id]),
        {"file": upload("a.pdf", pdf_bytes())},
    )
    assert response.status_code == 404


def test_a_refused_upload_is_explained_in_the_block(client, login, business_request, staff_a):
    login(staff_a)
    response = client.post(
        _upload_url(business_request),
        {"file": upload("病历.pdf", b"plain text, not a PDF")},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert "“病历.pdf” is not a file type accepted here" in response.content.decode()
    assert FileAsset.objects.count() == 0


def test_the_uploader_may_remove_their_file_others_may_not(
    client, login, business_request, staff_a, make_user, settings
):
    asset = services.store_upload(
        upload("a.pdf", pdf_bytes()), owner=staff_a, target=business_request
    )
    colleague = make_user("staff", hospital=staff_a.hospital)
    login(colleague)
    assert client.post(reverse("files:remove", args=[asset.public_id])).status_code == 403
    assert FileAsset.objects.count() == 1

    login(staff_a)
    response = client.post(reverse("files:remove", args=[asset.public_id]), {"next": "/requests/"})
    assert response.status_code == 302
    assert FileAsset.objects.count() == 0


# Real commits; serialized_rollback restores the migrated rows for the next such test.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_removed_bytes_are_deleted_once_committed(business_request, staff_a, settings):
    asset = services.store_upload(
        upload("a.pdf", pdf_bytes()), owner=staff_a, target=business_request
    )
    assert len(_stored_files(settings)) == 1

    services.remove_file(asset, actor=staff_a)

    assert _stored_files(settings) == []


def test_x_accel_redirect_behind_nginx(client, login, business_request, staff_a, settings):
    settings.YILIAN_X_ACCEL_PREFIX = "/protected-files/"
    asset = services.store_upload(
        upload("a.pdf", pdf_bytes()), owner=staff_a, target=business_request
    )
    login(staff_a)
    response = client.get(reverse("files:download", args=[asset.public_id]))
    assert response["X-Accel-Redirect"] == "/protected-files/" + asset.storage_key
    assert response.content == b""


def test_a_file_the_application_asked_for_is_not_removed_as_an_attachment(
    client, login, business_request, staff_a
):
    licence = services.store_upload(
        upload("执业证书.pdf", pdf_bytes()),
        owner=staff_a,
        target=business_request,
        purpose="licence",
    )
    loose = services.store_upload(
        upload("补充材料.pdf", pdf_bytes()), owner=staff_a, target=business_request
    )
    login(staff_a)

    block = client.post(
        reverse(
            "files:upload", args=[business_request._meta.label_lower, business_request.public_id]
        ),
        {"file": upload("b.pdf", pdf_bytes())},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "补充材料.pdf" in block and "执业证书.pdf" not in block

    response = client.post(reverse("files:remove", args=[licence.public_id]))
    assert response.status_code == 403
    assert FileAsset.objects.filter(pk=licence.pk).exists()
    assert client.post(reverse("files:remove", args=[loose.public_id])).status_code == 302


def test_an_upload_through_the_page_gets_no_purpose(client, login, business_request, staff_a):
    login(staff_a)

    client.post(
        _upload_url(business_request),
        {"file": upload("a.pdf", pdf_bytes()), "purpose": "licence"},
    )

    assert FileAsset.objects.get().purpose == ""


def test_bytes_whose_row_was_rolled_back_are_purged_after_a_day(
    business_request, staff_a, settings
):
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    kept = services.store_upload(
        upload("a.pdf", pdf_bytes()), owner=staff_a, target=business_request
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        services.store_upload(upload("b.pdf", pdf_bytes()), owner=staff_a, target=business_request)
        raise RuntimeError("the application failed after the upload")
    assert len(_stored_files(settings)) == 2  # the rolled-back upload's bytes are still there

    assert services.purge_orphans() == 0  # too young: it may be an upload being committed
    assert services.purge_orphans(now=timezone.now() + timedelta(days=2)) == 1

    [left] = _stored_files(settings)
    assert left.name == Path(kept.storage_key).name
    out = io.StringIO()
    call_command("purge_orphan_files", stdout=out)
    assert out.getvalue() == "0 orphaned file(s) deleted.\n"
    assert FileAsset.objects.get() == kept
