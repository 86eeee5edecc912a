"""ASGI entry point. Production runs the WSGI application (docs/adr/0007-application-server.md); this one
is kept for the measurement of ASGI servers and for a later asynchronous part of the site."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cancuoc.settings")
application = get_asgi_application()
