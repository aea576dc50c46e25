"""No template of ours holds code or styles that the Content Security Policy would block.

The CSP (settings.SECURE_CSP) allows scripts and styles from our own static files only, and htmx
runs with eval off. So an inline <script>, a <style> element, a style="" attribute, an onclick=
handler, a javascript: URL or an hx-on attribute would silently do nothing in the browser.
Rendered pages (including the admin's) are checked the same way in test_every_page.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import get_template

from tests.security.html_scan import csp_violations, external_resources

BASE_DIR = Path(settings.BASE_DIR)


def project_templates() -> list[Path]:
    roots = [BASE_DIR / "templates", *sorted((BASE_DIR / "leadsportal").glob("*/templates"))]
    return sorted(path for root in roots for path in root.rglob("*.html"))


def test_no_template_holds_inline_code_or_styles() -> None:
    templates = project_templates()

    findings = [
        f"{path.relative_to(BASE_DIR)}: {finding}"
        for path in templates
        for finding in csp_violations(path.read_text(encoding="utf-8"))
    ]

    assert len(templates) >= 20  # the scan found the templates
    assert findings == []


def test_no_template_loads_anything_from_another_origin() -> None:
    findings = [
        f"{path.relative_to(BASE_DIR)}: {finding}"
        for path in project_templates()
        for finding in external_resources(path.read_text(encoding="utf-8"))
    ]

    assert findings == []


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<script>alert(1)</script>", "inline <script>"),
        ('<script type="module">import "x"</script>', "inline <script>"),
        ("<style>p{}</style>", "<style> element"),
        ('<p style="color:red">', "style attribute"),
        ('<button onclick="go()">', "onclick handler"),
        ("<body onload=go()>", "onload handler"),
        ('<a href=" JavaScript:go()">', "javascript: URL"),
        ('<form action="javascript:go()">', "javascript: URL"),
        ('<div hx-on:click="go()">', "hx-on:click attribute"),
        ('<div hx-on::after-request="go()">', "hx-on::after-request attribute"),
        ('<div data-hx-on-click="go()">', "data-hx-on-click attribute"),
        ("<div hx-vals='js:{a: go()}'>", "hx-vals evaluated as code"),
        ('<div hx-trigger="click[ctrlKey]">', "hx-trigger filter"),
    ],
)
def test_the_scan_catches_what_the_policy_blocks(markup: str, expected: str) -> None:
    findings = csp_violations(markup)

    assert len(findings) == 1 and findings[0].startswith(expected), findings


def test_the_scan_lets_through_what_the_policy_allows() -> None:
    allowed = """
      <script src="/static/js/app.js" defer></script>
      <link rel="stylesheet" href="/static/css/app.css">
      <a href="/lead/abc/" hx-get="/lead/abc/" hx-target="#main">détail</a>
      <p data-on="x" class="onboarding">&lt;script&gt;alert(1)&lt;/script&gt; onclick=go()</p>
      <input name="q" value="javascript:go()">
      <div hx-trigger="leads:poll from:body" hx-vals='{"tab": "annonces"}'></div>
    """

    assert csp_violations(allowed) == []
    assert external_resources(allowed) == []
    assert external_resources('<script src="https://cdn.example.com/htmx.js"></script>') == [
        "<script> loads https://cdn.example.com/htmx.js"
    ]


def test_htmx_is_configured_for_the_policy() -> None:
    source = get_template("base.html").template.source

    config_match = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'>', source)
    assert config_match, "base.html must configure htmx with a <meta name=htmx-config>"
    config = json.loads(config_match.group(1))
    # htmx would otherwise inject a <style> for its indicators and evaluate hx-on / js: values.
    assert config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    # htmx comes from our static files, not from a CDN.
    assert "{% static 'vendor/htmx/htmx.min.js' %}" in source
    assert (BASE_DIR / "static" / "vendor" / "htmx" / "htmx.min.js").is_file()
