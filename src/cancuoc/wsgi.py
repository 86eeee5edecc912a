"""WSGI entry point, served in production by the application server that `cancuoc serve` starts."""

import os

from django.core.wsgi import get_wsgi_application

os.umask(0o077)  # every file the server writes (database, uploads, cache) is owner-only
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cancuoc.settings")
application = get_wsgi_application()
