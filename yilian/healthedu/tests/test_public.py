"""The public share page: no login, only while published, counted once per browser within
the window (and every concurrent view counted); a video streams to anyone once published
(byte ranges for seeking) and to nobody anonymous before; the QR code is the share link."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import segno
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from yilian.core.tests.html import parse
from yilian.core.tests.race import at_once
from yilian.files.tests.samples import png_bytes

from ..models import Item, Kind, Status
from ..qr import share_qr_document
from ..services import count_view, publish, save_item, submit, unpublish
from ..views import VIEW_WINDOW_SECONDS

pytestmark = pytest.mark.django_db

MP4 = (
    Path(__file__).resolve().parents[2] / "teaching" / "demo_media" / "test-pattern.mp4"
).read_bytes()


def test_a_published_item_is_public_and_readable_without_login(client, article):
    response = client.get(reverse("healthedu:share", args=[article.slug]))
    assert response.status_code == 200
    page = parse(response)
    assert page.one("h1", id="share-title").text == article.title
    assert page.one("div", id="share-body").text == "每天早晚各测一次。"
    assert page.one("meta", name="viewport")  # phone-friendly
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("state", ["draft", "submitted", "returned", "unpublished"])
def test_anything_but_a_published_item_is_a_404(client, state, staff_a, hospital_admin_a, draft):
    if state != "draft":
        submit(draft, actor=staff_a)
    if state == "returned":
        from ..services import return_item

        return_item(draft, actor=hospital_admin_a, comment="改")
    if state == "unpublished":
        unpublish(publish(draft, actor=hospital_admin_a), actor=hospital_admin_a)
    assert Item.objects.get(pk=draft.pk).status == state
    assert client.get(reverse("healthedu:share", args=[draft.slug])).status_code == 404
    assert Item.objects.get(pk=draft.pk).view_count == 0


def test_an_unknown_slug_is_a_404(client, article):
    assert client.get(reverse("healthedu:share", args=[article.slug[:-1]])).status_code == 404


def test_share_slugs_are_short_unguessable_and_distinct(staff_a):
    items = [
        save_item(actor=staff_a, kind=Kind.ARTICLE, title=f"{n}", body="<p>x</p>") for n in range(5)
    ]
    slugs = {i.slug for i in items}
    assert len(slugs) == 5
    # 12 URL-safe characters: 72 random bits, short enough to type from a printout.
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{12}", s) for s in slugs)


def test_a_browser_is_counted_once_within_the_window_and_again_after(client, article, settings):
    url = reverse("healthedu:share", args=[article.slug])
    first = client.get(url)
    client.get(url)
    client.get(url)
    assert Item.objects.get(pk=article.pk).view_count == 1
    cookie = first.cookies[f"hev_{article.slug}"]
    assert cookie["max-age"] == VIEW_WINDOW_SECONDS and cookie["httponly"]

    client.cookies.clear()  # another browser (or this one after the window)
    client.get(url)
    assert Item.objects.get(pk=article.pk).view_count == 2


def test_a_forged_view_cookie_does_not_stop_the_count(client, article):
    client.cookies[f"hev_{article.slug}"] = "1"
    client.get(reverse("healthedu:share", args=[article.slug]))
    assert Item.objects.get(pk=article.pk).view_count == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_views_are_all_counted(article):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("needs PostgreSQL or a file-based SQLite test database")

    def viewer():
        item = Item.objects.get(pk=article.pk)
        return lambda: count_view(item)

    results = at_once(*[viewer] * 4)
    assert not [r for r in results if isinstance(r, Exception)]
    assert Item.objects.get(pk=article.pk).view_count == 4


def test_the_staff_page_shows_the_count_and_a_qr_code_of_the_share_link(login, staff_a, article):
    client = login(staff_a)
    client_for_public = client.get(reverse("healthedu:share", args=[article.slug]))
    assert client_for_public.status_code == 200
    response = client.get(reverse("healthedu:item", args=[article.public_id]))
    page = parse(response)
    assert page.one("span", id="view-count").text == "1"
    url = page.one("input", id="share-url").get("value")
    assert url == f"http://testserver/h/{article.slug}/"
    path = page.one("div", id="share-qr").one("path").get("d")
    # No QR decoder is installed: read the dark modules back out of the drawn path and
    # compare them with segno's own encoding of exactly that link (and not of another).
    assert drawn_modules(path) == dark_modules(segno.make(url, error="m", micro=False))
    assert drawn_modules(path) != dark_modules(segno.make(url + "x", error="m", micro=False))

    download = client.get(reverse("healthedu:qr", args=[article.public_id]))
    assert download["Content-Type"] == "image/svg+xml"
    assert download.content == share_qr_document(url)
    assert download.content.startswith(b"<?xml")


def drawn_modules(d: str) -> set[tuple[int, int]]:
    """The (row, column) of every module a segno SVG path draws: ``M x y`` / ``m dx dy``
    move (the y of a row is its middle, ``row + 0.5``) and ``h n`` draws n modules."""
    dark: set[tuple[int, int]] = set()
    x = y = 0.0
    for command, args in re.findall(r"([MmHh])([-\d. ]+)", d.replace(",", " ")):
        numbers = [float(n) for n in args.split()]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:
            length = numbers[0]
            dark.update((int(y - 0.5), int(x) + i) for i in range(int(length)))
            x += length
    return dark


def dark_modules(qr: segno.QRCode, border: int = 4) -> set[tuple[int, int]]:
    return {
        (row + border, col + border)
        for row, line in enumerate(qr.matrix)
        for col, bit in enumerate(line)
        if bit
    }


def test_no_qr_code_before_publishing(login, staff_a, draft):
    client = login(staff_a)
    page = parse(client.get(reverse("healthedu:item", args=[draft.public_id])))
    assert page.find("div", id="share-qr") is None
    assert client.get(reverse("healthedu:qr", args=[draft.public_id])).status_code == 404


def _video_item(staff_a):
    return save_item(
        actor=staff_a,
        kind=Kind.VIDEO,
        title="胰岛素注射方法",
        video=SimpleUploadedFile("insulin.mp4", MP4, content_type="video/mp4"),
        cover=SimpleUploadedFile("cover.png", png_bytes(), content_type="image/png"),
    )


def test_a_published_video_streams_to_anyone_with_ranges_and_a_draft_video_to_nobody(
    client, staff_a, hospital_admin_a, login
):
    item = _video_item(staff_a)
    video_url = reverse("files:download", args=[item.video.public_id])
    cover_url = reverse("files:download", args=[item.cover.public_id])
    assert client.get(video_url).status_code == 302  # a draft's file asks for a login
    assert client.get(cover_url).status_code == 302
    assert (
        client.get(
            reverse("files:download", args=["00000000-0000-0000-0000-000000000000"])
        ).status_code
        == 302
    )

    publish(submit(item, actor=staff_a), actor=hospital_admin_a)
    page = parse(client.get(reverse("healthedu:share", args=[item.slug])))
    assert page.one("video", id="share-video").get("src") == video_url
    partial = client.get(video_url, HTTP_RANGE="bytes=0-99")
    assert partial.status_code == 206
    assert partial["Content-Range"] == f"bytes 0-99/{len(MP4)}"
    assert b"".join(partial.streaming_content) == MP4[:100]
    assert client.get(cover_url).status_code == 200

    unpublish(item, actor=hospital_admin_a)
    assert client.get(video_url).status_code == 302
    assert login(staff_a).get(video_url).status_code == 200  # its author still may


def test_a_video_needs_its_file_and_an_article_its_text(staff_a):
    with pytest.raises(Exception) as error:
        save_item(actor=staff_a, kind=Kind.VIDEO, title="无视频")
    assert "video" in error.value.message_dict
    with pytest.raises(Exception) as error:
        save_item(actor=staff_a, kind=Kind.ARTICLE, title="空", body="<script>x</script>")
    assert "body" in error.value.message_dict
    assert not Item.objects.exists()


def test_status_constants_match_the_share_rule():
    assert {s for s in Status.values if s != Status.PUBLISHED} == {
        "draft",
        "submitted",
        "returned",
        "unpublished",
    }


def test_a_replaced_video_is_removed_and_no_loose_files_can_be_added(
    client, login, staff_a, hospital_admin_a, django_capture_on_commit_callbacks
):
    from yilian.files.models import FileAsset

    item = publish(submit(_video_item(staff_a), actor=staff_a), actor=hospital_admin_a)
    old = item.video
    with django_capture_on_commit_callbacks(execute=True):
        item = save_item(
            actor=staff_a,
            item=item,
            kind=Kind.VIDEO,
            title=item.title,
            video=SimpleUploadedFile("v2.mp4", MP4, content_type="video/mp4"),
        )
    assert item.video != old and not FileAsset.objects.filter(pk=old.pk).exists()
    assert client.get(reverse("files:download", args=[old.public_id])).status_code == 302

    response = login(staff_a).post(
        reverse("files:upload", args=["healthedu.item", item.public_id]),
        {"file": SimpleUploadedFile("x.png", png_bytes(), content_type="image/png")},
    )
    assert response.status_code == 403
    assert FileAsset.objects.count() == 2  # the new video and the cover
