"""The apps import each other in one direction, and no module imports a views module.

    lib, leads_api, seeker_api  <-  agencies  <-  followup  <-  dashboard  <-  exports

`seeker_api` (the second upstream's client) sits beside `leads_api` and may use it (the lead
model and the error family). `core` (request log, health, locale), `sandbox` and
`seeker_sandbox` (each stands for a remote server) sit beside this chain and import only `lib`.
Read statically (ast), so that an import inside a function or under TYPE_CHECKING counts as
much as one at the top of a module.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "leadsportal"

# What each part of the project may import, besides itself.
ALLOWED: dict[str, set[str]] = {
    "lib": set(),
    "leads_api": {"lib"},
    "seeker_api": {"lib", "leads_api"},
    "agencies": {"lib", "leads_api", "seeker_api"},
    "followup": {"lib", "leads_api", "seeker_api", "agencies"},
    # The background work (watcher, assignment, live events, tasks): a domain too.
    "watch": {"lib", "leads_api", "seeker_api", "agencies", "followup"},
    "dashboard": {"lib", "leads_api", "seeker_api", "agencies", "followup", "watch"},
    "exports": {"lib", "leads_api", "seeker_api", "agencies", "followup", "watch", "dashboard"},
    "core": {"lib"},
    "sandbox": {"lib"},
    "seeker_sandbox": {"lib"},
    # The project's wiring: settings and the root URLconf see every app.
    "settings": {"lib"},
    "urls": {"core", "agencies", "dashboard", "exports", "sandbox", "seeker_sandbox"},
    "wsgi": set(),
    "asgi": set(),
    "__init__": set(),
}
# The follow-up is a domain app: records, unread markers, fingerprints; no UI of its own.
UI_MODULES_FORBIDDEN_IN = {
    "followup": ("views", "urls", "forms", "templatetags"),
    "watch": ("views", "urls", "forms", "templatetags"),
}


def part_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """Every leadsportal module this file imports, with its line (relative imports resolved)."""
    tree = ast.parse(path.read_text() if source is None else source, filename=str(path))
    package = (
        module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else module_name(path)
    )
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            # `from leadsportal.x import views` imports the module leadsportal.x.views.
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
            found.append((node.lineno, module))
    return [(line, name) for line, name in found if name.startswith("leadsportal.")]


SOURCES = sorted(
    path
    for path in PACKAGE.rglob("*.py")
    if "migrations" not in path.parts and "__pycache__" not in path.parts
)


def test_every_part_of_the_project_has_a_rule() -> None:
    assert {part_of(path) for path in SOURCES} <= set(ALLOWED)


def back_arrows(path: Path, source: str | None = None) -> list[str]:
    own = part_of(path)
    arrows = []
    for line, name in imported_modules(path, source):
        target = name.split(".")[1]
        if target != own and target not in ALLOWED[own]:
            arrows.append(f"line {line}: {own} imports {name}")
    return arrows


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_imports_point_one_way(path: Path) -> None:
    arrows = back_arrows(path)
    assert not arrows, "\n".join(arrows)


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_no_module_but_a_urlconf_imports_views(path: Path) -> None:
    if path.name == "urls.py":
        return
    views = [
        f"line {line}: {name}"
        for line, name in imported_modules(path)
        if name.rsplit(".", 1)[-1] in {"views", "followup_views"}
        or ".views." in name
        or ".followup_views." in name
    ]
    assert not views, "\n".join(views)


def test_the_follow_up_app_has_no_ui() -> None:
    followup = PACKAGE / "followup"
    present = [
        name
        for name in UI_MODULES_FORBIDDEN_IN["followup"]
        if (followup / f"{name}.py").exists() or (followup / name).is_dir()
    ]
    assert not present


def test_only_the_upstream_module_builds_api_clients() -> None:
    """One way to reach the API for an agency: agencies/upstream.py (and the admin's check
    goes through it too)."""
    builders = []
    for path in SOURCES:
        if (
            part_of(path) in {"leads_api", "seeker_api", "sandbox", "seeker_sandbox"}
            or path.name == "upstream.py"
        ):
            continue
        text = path.read_text()
        for needle in ("get_client(", "LeadsApiClient(", "SeekerLeadsClient(", "api_credentials()"):
            if needle in text:
                builders.append(f"{path.relative_to(PACKAGE)}: {needle}")
    assert not builders, "\n".join(builders)


@pytest.mark.parametrize(
    ("where", "source"),
    [
        ("followup/probe.py", "from leadsportal.dashboard.tables import TABLES\n"),
        ("followup/probe.py", "def f():\n    from leadsportal.exports import views\n"),
        ("agencies/probe.py", "import leadsportal.followup.records\n"),
        ("dashboard/probe.py", "from ..exports.models import ExportRecord\n"),
        ("leads_api/probe.py", "from leadsportal.agencies.models import Agency\n"),
        ("leads_api/probe.py", "from leadsportal.seeker_api import contract\n"),
        ("seeker_api/probe.py", "from leadsportal.seeker_sandbox.data import ANCHOR\n"),
        ("seeker_sandbox/probe.py", "from leadsportal.seeker_api.contract import LEADS_PATH\n"),
        ("seeker_sandbox/probe.py", "from leadsportal.sandbox.data import REGIONS\n"),
    ],
)
def test_the_checker_catches_a_back_arrow(where: str, source: str) -> None:
    """The oracle is not empty: each of these imports would fail the suite."""
    assert back_arrows(PACKAGE / where, source)


# --- Templates follow the same arrows -------------------------------------------------------

TEMPLATES = PACKAGE.parent / "templates"
# Template tag libraries of the project, by the part that owns them.
TAG_LIBRARIES = {"leads": "dashboard", "followup": "dashboard", "lists": "dashboard"}
TAG_LIBRARIES |= {"live": "dashboard"}
TAG_LIBRARIES |= {"exports": "exports", "agencies": "agencies"}
INCLUDE = re.compile(r"{%\s*(?:include|extends)\s+[\"']([^\"']+)[\"']")
LOAD = re.compile(r"{%\s*load\s+([^%]+?)\s*%}")


def template_part(name: str) -> str | None:
    """The app a template belongs to (its folder), or None for the project's own layouts."""
    folder = name.split("/", 1)[0] if "/" in name else ""
    return folder if folder in ALLOWED else None


def template_back_arrows(name: str, source: str) -> list[str]:
    own = template_part(name)
    if own is None:
        return []
    allowed = {own, *ALLOWED[own]}
    arrows = []
    for included in INCLUDE.findall(source):
        target = template_part(included)
        if target is not None and target not in allowed:
            arrows.append(f"{name} includes {included}")
    for libraries in LOAD.findall(source):
        for library in libraries.split():
            target = TAG_LIBRARIES.get(library)
            if target is not None and target not in allowed:
                arrows.append(f"{name} loads {library} (of {target})")
    return arrows


TEMPLATE_FILES = sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_templates_point_one_way(path: Path) -> None:
    name = str(path.relative_to(TEMPLATES))
    arrows = template_back_arrows(name, path.read_text())
    assert not arrows, "\n".join(arrows)


def test_every_tag_library_has_an_owner() -> None:
    libraries = {path.stem for path in PACKAGE.glob("*/templatetags/*.py")} - {"__init__"}
    assert libraries == set(TAG_LIBRARIES)


@pytest.mark.parametrize(
    "source",
    [
        '{% include "exports/_menu.html" %}',
        "{% load i18n exports %}",
        "{% extends 'exports/x.html' %}",
    ],
)
def test_the_checker_catches_a_template_back_arrow(source: str) -> None:
    assert template_back_arrows("dashboard/lead_list.html", source)
