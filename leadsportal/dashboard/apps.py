from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "leadsportal.dashboard"
    label = "dashboard"
