from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "leadsportal.exports"
    label = "exports"
