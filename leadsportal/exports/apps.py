from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "leadsportal.exports"
    label = "exports"

    def ready(self) -> None:
        # The worker (`leads_worker`) knows the tasks of the apps it has loaded: this registers
        # the background exports and their periodic clean-up with it.
        from leadsportal.exports import tasks  # noqa: F401
