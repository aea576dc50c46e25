"""Finds what a strict Content Security Policy would block in HTML: inline scripts and styles,
event-handler attributes, `javascript:` URLs, htmx features that need `eval`, external origins.

It reads tags and attributes with an HTML parser, so text content (a lead's message saying
"<script>" escaped as `&lt;script&gt;`) never counts: only markup does. Django template sources
parse well enough for this too: `{% ... %}` inside a tag only adds harmless attribute names.
"""

from __future__ import annotations

from html.parser import HTMLParser

# Attributes whose value is a URL the browser loads, navigates to, or htmx requests.
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "poster", "xlink:href"}
    | {
        f"{prefix}hx-{verb}"
        for prefix in ("", "data-")
        for verb in ("get", "post", "put", "patch", "delete")
    }
)
# Elements that load a resource from their URL attribute (a link <a href> only navigates).
LOADING = {"script": "src", "img": "src", "iframe": "src", "source": "src", "embed": "src"}


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.findings: list[str] = []
        self.external: list[str] = []

    def _where(self) -> str:
        line, column = self.getpos()
        return f"line {line}, column {column}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        where = self._where()
        names = {name for name, _value in attrs}
        if tag == "script" and "src" not in names:
            self.findings.append(f"inline <script> at {where}")
        if tag == "style":
            self.findings.append(f"<style> element at {where}")
        for name, raw_value in attrs:
            value = (raw_value or "").strip()
            if name == "style":
                self.findings.append(f"style attribute on <{tag}> at {where}")
            elif name.startswith(("hx-on", "data-hx-on")):
                self.findings.append(f"{name} attribute (needs eval) on <{tag}> at {where}")
            elif name.startswith("on") and name[2:].isalpha():
                self.findings.append(f"{name} handler on <{tag}> at {where}")
            compact = "".join(value.lower().split())
            if name in URL_ATTRIBUTES and compact.startswith("javascript:"):
                self.findings.append(f"javascript: URL in {name} of <{tag}> at {where}")
            if name in {"hx-vals", "hx-vars", "data-hx-vals"} and value.startswith(
                ("js:", "javascript:")
            ):
                self.findings.append(f"{name} evaluated as code on <{tag}> at {where}")
            if name in {"hx-trigger", "data-hx-trigger"} and "[" in value:
                self.findings.append(f"hx-trigger filter (needs eval) on <{tag}> at {where}")
        self._check_origin(tag, attrs)

    handle_startendtag = handle_starttag

    def _check_origin(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        loaded = LOADING.get(tag)
        if tag == "link" and "stylesheet" in (values.get("rel") or "").split():
            loaded = "href"
        url = (values.get(loaded) or "").strip() if loaded else ""
        if not url or "{" in url:  # empty, or a template expression in a template source
            return
        same_origin = url.startswith("/") and not url.startswith("//")
        if not same_origin and not url.startswith(("data:", "#")):
            self.external.append(f"<{tag}> loads {url}")


def csp_violations(markup: str) -> list[str]:
    """What our CSP (no inline code, no eval) would block in this HTML or template source."""
    scanner = _Scanner()
    scanner.feed(markup)
    scanner.close()
    return scanner.findings


def external_resources(markup: str) -> list[str]:
    """Scripts, stylesheets, images or frames this HTML would load from another origin."""
    scanner = _Scanner()
    scanner.feed(markup)
    scanner.close()
    return scanner.external
