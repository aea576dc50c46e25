"""manage.py leads_worker [--workers N]

The background workers and the scheduler in one process (Huey's consumer): the lead watcher
of every agency, the claim fallbacks, the daily purge and re-read, the backfill of new
agencies. Run as many as you like on as many hosts: leases keep each poll to one worker.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from huey.consumer_options import ConsumerConfig
from huey.contrib.djhuey import HUEY


class Command(BaseCommand):
    help = "Lance les tâches de fond : le guetteur de leads de chaque agence, purges, indexation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Nombre de fils de travail (LEADS_WORKER_THREADS, 16 par défaut).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        import leadsportal.watch.tasks  # noqa: F401 - registers the tasks with the consumer

        if settings.PRODUCTION and not settings.REDIS_URL:
            raise CommandError(
                "REDIS_URL est requis en production : les serveurs web et les workers partagent "
                "la file des tâches (docs/DEPLOYMENT.md)."
            )
        consumer_options = dict(settings.HUEY.get("consumer", {}))
        if options["workers"]:
            consumer_options["workers"] = options["workers"]
        config = ConsumerConfig(**consumer_options)
        config.validate()
        self.stdout.write(
            f"Tâches de fond : {config.workers} fils, guetteur toutes les "
            f"{settings.LEADS_WATCH_INTERVAL} s ({type(HUEY.storage).__name__})."
        )
        self.stdout.flush()
        HUEY.create_consumer(**config.values).run()
