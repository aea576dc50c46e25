"""WSGI entry point, as gunicorn serves it: `gunicorn leadsportal.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadsportal.settings")

application = get_wsgi_application()
