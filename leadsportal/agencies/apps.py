from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "leadsportal.agencies"
    label = "agencies"
