from django.apps import AppConfig
from django.db.models.signals import post_save


class WatchConfig(AppConfig):
    name = "leadsportal.watch"
    verbose_name = "Temps réel"

    def ready(self) -> None:
        from leadsportal.agencies.models import Agency
        from leadsportal.agencies.webhooks import webhook_received
        from leadsportal.watch.signals import agency_saved, webhook_poll

        post_save.connect(agency_saved, sender=Agency, dispatch_uid="watch.agency_backfill")
        webhook_received.connect(webhook_poll, sender=Agency, dispatch_uid="watch.webhook_poll")
