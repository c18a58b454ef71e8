"""A strict Content-Security-Policy on every kind of response, and templates that need
nothing it forbids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from yilian.core import csp

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_policy():
    csp.policy.cache_clear()
    yield
    csp.policy.cache_clear()


def directives(header: str) -> dict[str, list[str]]:
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


def test_the_policy_forbids_inline_script_eval_and_framing():
    policy = directives(csp.policy())
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"][0] == "'self'"
    assert all(v.startswith("'sha256-") for v in policy["style-src"][1:])
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    # Inline style attributes are the one allowance (the slide viewer sets them); inline
    # script, <style> blocks and eval stay refused.
    assert policy["style-src-attr"] == ["'unsafe-inline'"]
    rest = {k: v for k, v in policy.items() if k != "style-src-attr"}
    assert not any("'unsafe-inline'" in v for v in rest.values())
    assert "unsafe-eval" not in csp.policy()


def test_the_video_gateway_and_configured_origins_are_allowed(settings):
    settings.YILIAN_JANUS_PUBLIC_URL = "https://video.example.org:8089/janus"
    settings.YILIAN_CSP_EXTRA = {"media-src": ["https://live.example.org"]}
    policy = directives(csp.policy())
    assert "https://video.example.org:8089" in policy["connect-src"]
    assert "wss://video.example.org:8089" in policy["connect-src"]
    assert "https://live.example.org" in policy["media-src"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name, signed_in",
    [
        ("web:home", True),  # a page
        ("accounts:login", False),  # a public page
        ("web:manifest", False),  # JSON
        ("web:service_worker", False),  # a script
        ("healthz", False),  # an API answer
    ],
)
def test_every_response_carries_the_policy(client, staff_a, url_name, signed_in):
    if signed_in:
        client.force_login(staff_a)
    response = client.get(reverse(url_name))
    assert response["Content-Security-Policy"] == csp.policy()


@pytest.mark.django_db
def test_error_pages_carry_the_policy(client, staff_a):
    client.force_login(staff_a)
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert missing["Content-Security-Policy"] == csp.policy()
    forbidden = client.get(reverse("accounts:registrations"))
    assert forbidden.status_code == 403
    assert forbidden["Content-Security-Policy"] == csp.policy()


def test_a_view_s_own_stricter_policy_is_kept(rf):
    # File downloads are sandboxed: the middleware must not overwrite their header.
    from django.http import HttpResponse

    from yilian.core.csp import ContentSecurityPolicyMiddleware

    def view(request):
        response = HttpResponse("x")
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

    response = ContentSecurityPolicyMiddleware(view)(rf.get("/files/x/"))
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


# What a template must not contain for the policy to hold: a script without src (JSON data
# blocks are fine), an inline event handler, a style attribute or block, a javascript: URL.
FORBIDDEN = {
    "inline script": re.compile(
        r"<script\b(?![^>]*\bsrc=)(?![^>]*type=[\"']application/(?:ld\+)?json)[^>]*>", re.I
    ),
    "event handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.I),
    "style block": re.compile(r"<style\b", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def templates() -> list[Path]:
    """The templates a browser renders (PDF templates are rendered by WeasyPrint)."""
    return sorted(
        p for p in ROOT.glob("*/templates/**/*.html") if "templates/pdf/" not in p.as_posix()
    )


def test_no_template_needs_what_the_policy_forbids():
    assert len(templates()) > 50  # the scan really reads the project's templates
    offences = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in templates()
        for what, pattern in FORBIDDEN.items()
        if pattern.search(path.read_text())
    ]
    assert offences == []


def test_the_scan_catches_each_kind_of_offence():
    samples = {
        "inline script": "<script>alert(1)</script>",
        "event handler": '<img src="x" onerror="alert(1)">',
        "style attribute": '<div style="color:red">',
        "style block": "<style>p{}</style>",
        "javascript: URL": '<a href="javascript:alert(1)">',
    }
    for what, sample in samples.items():
        assert FORBIDDEN[what].search(sample), what
    allowed = (
        '<script src="/static/a.js" defer></script><script type="application/json">{}</script>'
    )
    assert not any(p.search(allowed) for p in FORBIDDEN.values())


def test_the_allowed_style_block_is_the_vendored_viewer_s():
    """The hash in the policy is that of the style block OpenSeadragon adds; upgrading the
    viewer changes it, and this test says so."""
    import base64
    import hashlib

    source = (ROOT / "static" / "vendor" / "openseadragon" / "openseadragon.min.js").read_text()
    found = re.search(r'textContent="(@media \(hover: none\)[^"]*)"', source)
    assert found is not None, "the viewer no longer adds its style block: drop the hash"
    block = found.group(1)
    digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in directives(csp.policy())["style-src"]
