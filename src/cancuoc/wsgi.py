"""WSGI entry point, served in production by the application server that `cancuoc serve` starts.

Behind the reverse proxy every connection comes from the proxy, so the client's address (kept in the
audit log and used by the login throttle) arrives in ``X-Real-IP``. It is believed only when the
connection comes from a trusted proxy address (``CANCUOC_FORWARDED_ALLOW_IPS``; in production the
machine itself by default) or from the application server's unix socket; otherwise it is ignored.
"""

import os

from django.core.wsgi import get_wsgi_application

os.umask(0o077)  # every file the server writes (database, uploads, cache) is owner-only
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cancuoc.settings")


def trusted_proxies() -> frozenset[str]:
    default = "127.0.0.1,::1" if os.environ.get("CANCUOC_ENV") == "production" else ""
    listed = os.environ.get("CANCUOC_FORWARDED_ALLOW_IPS", default)
    return frozenset(address.strip() for address in listed.split(",") if address.strip())


def client_address_from_proxy(app, trusted: frozenset[str]):
    """Wraps ``app``: REMOTE_ADDR becomes the proxy's X-Real-IP when the peer is a trusted proxy."""

    def wrapped(environ, start_response):
        peer = environ.get("REMOTE_ADDR", "")
        real = environ.get("HTTP_X_REAL_IP", "").strip()
        if real and trusted and (peer in trusted or peer == ""):  # "": a unix socket, local by definition
            environ["REMOTE_ADDR"] = real[:45]
        return app(environ, start_response)

    return wrapped


application = client_address_from_proxy(get_wsgi_application(), trusted_proxies())
