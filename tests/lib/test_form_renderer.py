"""The Python renderer writes every widget of the project's forms as Django's templates do."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.forms.renderers import DjangoTemplates
from django.http import QueryDict
from django.utils.safestring import mark_safe

from leadsportal.agencies.models import Membership
from leadsportal.dashboard.forms import (
    AssigneeForm,
    AssignmentRuleForm,
    LeadListForm,
    NoteForm,
    StatusForm,
)
from leadsportal.lib.form_renderer import FastWidgetRenderer


class Tricky(forms.Form):
    """What the project's forms do not hold yet, but a widget may meet."""

    quoted = forms.CharField(initial='a "quoted" <value> & more', required=False)
    safe = forms.CharField(initial=mark_safe("déjà &amp; <b>sûr</b>"), required=False)
    safe_choice = forms.ChoiceField(
        choices=[(mark_safe("a&amp;b"), mark_safe("<i>A</i>")), ("c", "C")], required=False
    )
    number = forms.IntegerField(initial=1234567)
    hidden = forms.CharField(widget=forms.HiddenInput, initial="x")
    grouped = forms.ChoiceField(
        choices=[("Paris", [("75", "Paris <75>"), ("92", "Hauts-de-Seine")]), ("", "—")],
        initial="92",
    )
    several = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], initial=["a", "b"])
    unchecked = forms.BooleanField(required=False)
    text = forms.CharField(widget=forms.Textarea, initial="ligne 1\nligne 2")


def forms_to_compare(membership: Membership) -> list[forms.Form]:
    lists = [
        LeadListForm(QueryDict(""), membership=membership),
        LeadListForm(
            QueryDict("start=2026-11-01&end=demain&portal=XYZ&status=clos&assignee=moi"),
            membership=membership,
        ),
        LeadListForm(QueryDict("classified=<script>&per_page=50&page=2"), membership=membership),
    ]
    for form in lists:
        form.is_valid()  # rendered with their errors, as a list with bad filters is
    return [
        *lists,
        StatusForm(agency=membership.agency, initial={"status": "contacte"}),
        AssigneeForm(agency=membership.agency, initial={"assignee": membership.user_id}),
        NoteForm(),
        AssignmentRuleForm(instance=membership.agency),
        AuthenticationForm(),
        Tricky(),
    ]


@pytest.mark.django_db
def test_every_widget_renders_as_with_django_templates(agent) -> None:
    membership = Membership.objects.select_related("agency", "user").get(user=agent.user)
    compared = 0
    for form in forms_to_compare(membership):
        for bound in form:
            form.renderer = FastWidgetRenderer()
            fast = bound.as_widget()
            form.renderer = DjangoTemplates()
            django = bound.as_widget()
            assert fast == django, (type(form).__name__, bound.name)
            compared += 1
    assert compared >= 30


def test_the_project_uses_it() -> None:
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FastWidgetRenderer)
