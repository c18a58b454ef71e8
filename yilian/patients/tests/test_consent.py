"""Informed consent on a request: the block, the uploaded form, the one-time phone link and
the public signing page (expired, reused and unknown tokens; bad signatures)."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from yilian.accounts.models import User
from yilian.audit.models import AuditEntry
from yilian.core.tests.html import field_errors, parse
from yilian.files.models import FileAsset
from yilian.patients import services
from yilian.patients.models import Consent
from yilian.workflow.models import BusinessRequest, Status
from yilian.workflow.services import transition

from .conftest import PNG, pdf_upload, text_upload

pytestmark = pytest.mark.django_db

SIGNATURE = "data:image/png;base64," + base64.b64encode(PNG).decode()


def _upload_url(req: BusinessRequest) -> str:
    return reverse("patients:consent_upload", args=[req.public_id])


def _link_url(req: BusinessRequest) -> str:
    return reverse("patients:consent_link", args=[req.public_id])


def _token(link_page) -> str:
    url = parse(link_page).one("div", id="signing-link").one("input").get("value")
    return url.rstrip("/").rsplit("/", 1)[-1]


def _sign(client, token: str, **fields):
    data = {"signer": "patient", "signer_name": "王某某", "signature": SIGNATURE} | fields
    return client.post(reverse("patients:consent_sign", args=[token]), data)


# --- the block ---------------------------------------------------------------------------


def _render_block(user, req: BusinessRequest) -> str:
    http_request = RequestFactory().get("/")
    http_request.user = user
    template = Template("{% load patients %}{% consent_block req %}")
    return template.render(Context({"request": http_request, "req": req}))


def test_the_block_offers_both_ways_to_the_applicants_hospital_on_a_draft(staff_a, draft):
    page = parse(_render_block(staff_a, draft))
    block = page.one("section", id="consent")
    assert block.get("data-consent") == "missing"
    assert block.one("form", id="consent-link-form").get("action") == _link_url(draft)
    assert block.one("form", id="consent-upload-form").get("action") == _upload_url(draft)


def test_the_block_shows_no_forms_to_others_nor_after_the_draft(
    staff_a, draft, expert, manager, loop_submit
):
    for user in (expert, manager):
        page = parse(_render_block(user, draft))
        assert page.find("form") is None
        assert page.one(id="consent-missing")
    loop_submit(draft)
    draft.refresh_from_db()
    assert parse(_render_block(staff_a, draft)).find("form") is None


def test_the_block_renders_nothing_for_a_request_about_nobody(staff_a, draft):
    BusinessRequest.objects.filter(pk=draft.pk).update(patient=None)
    draft.refresh_from_db()
    assert _render_block(staff_a, draft).strip() == ""


@pytest.fixture
def loop_submit(staff_a):
    def submit(req: BusinessRequest) -> BusinessRequest:
        Consent.objects.update_or_create(
            request=req,
            defaults={
                "patient_id": req.patient_id,
                "method": "upload",
                "signer_name": "王某某",
                "signed_at": timezone.now(),
                "created_by": staff_a,
            },
        )
        return transition(req, "submit", actor=staff_a)

    return submit


# --- uploaded form -------------------------------------------------------------------------


def test_uploading_the_signed_form_records_the_consent_and_lets_the_request_be_submitted(
    login, staff_a, draft, person
):
    client = login(staff_a)

    response = client.post(
        _upload_url(draft),
        {"signer": "guardian", "signer_name": "王小某", "document": pdf_upload()},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("workflow:detail", args=[draft.public_id])
    consent = Consent.objects.get(request=draft)
    assert (consent.method, consent.signer, consent.signer_name) == ("upload", "guardian", "王小某")
    assert consent.signed_at is not None and consent.patient == person
    assert (consent.document.purpose, consent.document.mime_type) == ("consent", "application/pdf")
    assert consent.document.target == draft
    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.patient, entry.actor) == ("upload", person, staff_a)

    block = parse(_render_block(staff_a, draft)).one("section", id="consent")
    assert block.get("data-consent") == "signed"
    assert (
        block.one("a", id="consent-document")
        .get("href")
        .startswith(reverse("files:download", args=[consent.document.public_id]))
    )
    assert client.get(block.one("a", id="consent-document").get("href")).status_code == 200
    assert transition(draft, "submit", actor=staff_a).status == Status.SUBMITTED


def test_a_file_that_is_not_a_scan_is_refused_and_the_input_kept(login, staff_a, draft):
    response = login(staff_a).post(
        _upload_url(draft),
        {"signer": "patient", "signer_name": "王某某", "document": text_upload()},
    )
    assert response.status_code == 422
    assert "not a file type accepted here" in field_errors(response, "document")[0]
    assert parse(response).one("input", name="signer_name").get("value") == "王某某"
    assert not Consent.objects.exists() and not FileAsset.objects.exists()
    assert AuditEntry.objects.get().outcome == "failed"


def test_the_htmx_upload_swaps_the_block(login, staff_a, draft):
    response = login(staff_a).post(
        _upload_url(draft),
        {"signer": "patient", "signer_name": "王某某", "document": pdf_upload()},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert parse(response).one("section", id="consent").get("data-consent") == "signed"


def test_a_second_consent_is_refused(login, staff_a, draft):
    client = login(staff_a)
    data = {"signer": "patient", "signer_name": "王某某"}
    client.post(_upload_url(draft), data | {"document": pdf_upload()})
    response = client.post(_upload_url(draft), data | {"document": pdf_upload()})
    assert response.status_code == 422
    assert "already recorded" in parse(response).one("section", id="consent").text
    assert FileAsset.objects.count() == 1


def test_consent_writes_are_for_the_applicants_hospital_on_a_draft(
    login, draft, staff_b, expert, manager, staff_a, loop_submit
):
    data = {"signer": "patient", "signer_name": "王某某"}
    for outsider, status in ((staff_b, 404), (expert, 404), (manager, 403)):
        client = login(outsider)
        assert client.post(_link_url(draft)).status_code == status, outsider
        assert client.post(_upload_url(draft), data | {"document": pdf_upload()}).status_code == (
            status
        )
    assert not Consent.objects.exists()
    loop_submit(draft)
    Consent.objects.all().delete()
    assert login(staff_a).post(_link_url(draft)).status_code == 403
    assert not Consent.objects.exists()


# --- the signing link ------------------------------------------------------------------


def test_the_patient_signs_on_a_phone_through_the_one_time_link(
    client, login, staff_a, draft, person
):
    link_page = login(staff_a).post(_link_url(draft))
    assert link_page.status_code == 200
    token = _token(link_page)
    consent = Consent.objects.get(request=draft)
    assert consent.link_token_hash == services.token_hash(token) and token not in str(
        consent.link_token_hash
    )
    assert timedelta(minutes=29) < consent.link_expires_at - timezone.now() <= timedelta(minutes=30)
    assert consent.signed_at is None
    client.logout()

    page = client.get(reverse("patients:consent_sign", args=[token]))
    assert page.status_code == 200
    html = parse(page)
    assert html.one(id="sign-hospital").text == staff_a.hospital.name
    assert html.one(id="sign-kind").text == "Remote consultation test"
    assert "王某某" in html.one(id="sign-statement").text
    assert person.national_id not in page.content.decode()
    assert "13912345678" not in page.content.decode()
    assert html.one("canvas", data_signature_pad=True)
    assert html.find("script", src="/static/yilian/signature.js") is not None
    assert not [s for s in html.find_all("script") if not s.get("src")]  # no inline script

    done = _sign(client, token, signer="relative", signer_name="王小某")

    assert done.status_code == 200 and parse(done).one(id="signed")
    consent.refresh_from_db()
    assert (consent.method, consent.signer, consent.signer_name) == (
        "signature",
        "relative",
        "王小某",
    )
    assert consent.signed_at is not None
    assert consent.document.purpose == "consent-signature"
    assert consent.document.mime_type == "image/png" and consent.document.target == draft
    sign = AuditEntry.objects.get(action="sign")
    assert (sign.actor, sign.patient, sign.outcome) == (None, person, "ok")
    # The trail names the page, never the link's secret.
    assert not AuditEntry.objects.filter(path__contains=token).exists()
    assert sign.path == "/patients/consent/sign/-/"
    assert transition(draft, "submit", actor=staff_a).status == Status.SUBMITTED


def test_a_used_link_is_gone(client, login, staff_a, draft):
    token = _token(login(staff_a).post(_link_url(draft)))
    client.logout()
    assert _sign(client, token).status_code == 200

    again = _sign(client, token, signer_name="别人")
    assert again.status_code == 410
    assert parse(again).one(id="link-gone").get("data-reason") == "used"
    assert client.get(reverse("patients:consent_sign", args=[token])).status_code == 410
    assert Consent.objects.get().signer_name == "王某某"
    assert FileAsset.objects.count() == 1


def test_an_expired_link_is_gone(client, login, staff_a, draft):
    token = _token(login(staff_a).post(_link_url(draft)))
    client.logout()
    Consent.objects.update(link_expires_at=timezone.now() - timedelta(seconds=1))

    page = client.get(reverse("patients:consent_sign", args=[token]))
    assert page.status_code == 410
    assert parse(page).one(id="link-gone").get("data-reason") == "expired"
    assert _sign(client, token).status_code == 410
    assert Consent.objects.get().signed_at is None


def test_unknown_and_replaced_tokens_are_404(client, login, staff_a, draft):
    staff = login(staff_a)
    old = _token(staff.post(_link_url(draft)))
    new = _token(staff.post(_link_url(draft)))
    client.logout()
    assert client.get(reverse("patients:consent_sign", args=["nothing-here"])).status_code == 404
    assert client.get(reverse("patients:consent_sign", args=[old])).status_code == 404
    assert _sign(client, old).status_code == 404
    assert client.get(reverse("patients:consent_sign", args=[new])).status_code == 200
    assert Consent.objects.count() == 1


def test_the_link_ends_when_the_request_leaves_the_draft(
    client, login, staff_a, draft, loop_submit
):
    token = _token(login(staff_a).post(_link_url(draft)))
    BusinessRequest.objects.filter(pk=draft.pk).update(status=Status.CANCELLED)
    client.logout()
    assert client.get(reverse("patients:consent_sign", args=[token])).status_code == 410


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        ("", "Sign in the box"),
        ("data:image/jpeg;base64," + base64.b64encode(PNG).decode(), "not a PNG"),
        ("data:image/png;base64,@@@", "could not be read"),
        ("data:image/png;base64," + base64.b64encode(b"GIF89a" + b"0" * 40).decode(), "not a PNG"),
        (
            "data:image/png;base64," + base64.b64encode(b"\x89PNG" * 200_000).decode(),
            "too large",
        ),
    ],
    ids=["empty", "jpeg-label", "not-base64", "not-png", "too-large"],
)
def test_bad_signatures_are_refused_and_the_link_stays_usable(
    client, login, staff_a, draft, signature, message
):
    token = _token(login(staff_a).post(_link_url(draft)))
    client.logout()

    response = _sign(client, token, signature=signature)

    assert response.status_code == 422
    assert message in parse(response).one(id="field-signature").text
    assert parse(response).one("input", name="signer_name").get("value") == "王某某"
    assert Consent.objects.get().signed_at is None and not FileAsset.objects.exists()
    assert _sign(client, token).status_code == 200


def test_a_signer_name_is_required(client, login, staff_a, draft):
    token = _token(login(staff_a).post(_link_url(draft)))
    client.logout()
    response = _sign(client, token, signer_name="")
    assert response.status_code == 422
    assert field_errors(response, "signer_name")
    assert Consent.objects.get().signed_at is None


def test_an_account_that_is_not_active_may_still_open_a_signing_link(
    client, login, staff_a, draft, pending_staff_a: User
):
    token = _token(login(staff_a).post(_link_url(draft)))
    client.force_login(pending_staff_a)
    assert client.get(reverse("patients:consent_sign", args=[token])).status_code == 200
    assert client.get(reverse("patients:list")).status_code == 302  # everything else is not


def test_an_uploaded_form_makes_an_open_link_used(client, login, staff_a, draft):
    staff = login(staff_a)
    token = _token(staff.post(_link_url(draft)))
    staff.post(
        _upload_url(draft),
        {"signer": "patient", "signer_name": "王某某", "document": pdf_upload()},
    )
    client.logout()
    assert client.get(reverse("patients:consent_sign", args=[token])).status_code == 410
    assert Consent.objects.get().method == "upload"


def test_the_consent_page_shows_the_block_to_whoever_sees_the_request(
    login, staff_a, staff_b, draft
):
    url = reverse("patients:consent", args=[draft.public_id])
    assert parse(login(staff_a).get(url)).one("section", id="consent")
    assert login(staff_b).get(url).status_code == 404
    from yilian.audit.models import AuditEntry

    assert list(AuditEntry.objects.values_list("actor", "action", "patient")) == [
        (staff_a.pk, "view", draft.patient_id)
    ]


def test_a_refused_signature_leaves_no_token_in_the_logs(client, login, staff_a, draft, caplog):
    token = _token(login(staff_a).post(_link_url(draft)))
    client.logout()

    with caplog.at_level("WARNING", logger="django.request"):
        response = _sign(client, token, signer_name="")

    assert response.status_code == 422
    assert any("/patients/consent/sign/" in r.getMessage() for r in caplog.records)
    assert token not in caplog.text
