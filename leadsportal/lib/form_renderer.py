"""A form renderer that writes the commonest widgets in Python, byte for byte as Django would.

Django renders every widget through templates: a select of 13 portals is 1 + 13 template
renders, each with its own `attrs.html` include. On a lead list the filter form cost about as
much as the whole table of 20 rows (docs/BENCHMARKS.md). This renderer produces the same HTML
for Django's own input and select templates directly, and leaves every other template
(textarea, checkboxes, the form and field layouts, custom templates) to Django's engine.
`tests/lib/test_form_renderer.py` compares both renderings of every widget the project uses.
"""

from __future__ import annotations

import html
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData

INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "date", "number", "hidden", "email", "password", "search")
)
SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _stringformat(value: Any) -> str:
    # `{{ value|stringformat:'s' }}`: the filter keeps a safe string safe, escapes the rest.
    if isinstance(value, SafeData):
        return f"{value}"
    return html.escape(f"{value}")


def _attrs(attrs: dict[str, Any]) -> str:
    # attrs.html: ` name="value"`, a bare ` name` for True, nothing for False.
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{_stringformat(value)}"')
    return "".join(parts)


def _input(widget: dict[str, Any]) -> str:
    value = widget["value"]
    value_attr = "" if value is None else f' value="{_stringformat(value)}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{value_attr}{_attrs(widget["attrs"])}>'
    )


def _option(option: dict[str, Any]) -> str:
    return (
        f'<option value="{_stringformat(option["value"])}"'
        f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>"
    )


def _select(widget: dict[str, Any]) -> str | None:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION_TEMPLATE or not isinstance(
                option["label"], str | Promise
            ):
                # A custom option template, or a label the engine would localise (a number).
                return None
            # The option template's file ends with a newline, which the include keeps.
            parts.append("\n  " + _option(option) + "\n")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class FastWidgetRenderer(DjangoTemplates):
    def render(
        self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None
    ) -> str:
        widget = context.get("widget")
        if isinstance(widget, dict):
            if template_name in INPUT_TEMPLATES:
                return _input(widget)
            if template_name == SELECT_TEMPLATE:
                rendered = _select(widget)
                if rendered is not None:
                    return rendered
        return str(super().render(template_name, context, request))
