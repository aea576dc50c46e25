from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "leadsportal.core"
    label = "core"
