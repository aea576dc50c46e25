from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "leadsportal.sandbox"
    label = "sandbox"
