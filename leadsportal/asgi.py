"""ASGI entry point, as the production server runs it (gunicorn with uvicorn workers, bin/serve):
the pages as under WSGI, and the live event streams of open pages asynchronously."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadsportal.settings")

application = get_asgi_application()
