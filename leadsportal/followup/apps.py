from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "leadsportal.followup"
    label = "followup"
