"""The browser policies every answer carries: Content-Security-Policy and Permissions-Policy.

The site's own policy is strict (scripts and styles from our own static files only, no frames, no
plugins); a view that needs more says so with a decorator, so each exception is visible where it is
granted: ``@permissions_policy(camera="self")`` on a portrait-capture page,
``@content_security_policy(style_src=...)`` on the Swagger UI page.

Django 5.2 has no CSP support of its own (it arrives in 6.0); these few lines avoid a dependency that
6.0 will make redundant and let both headers share one per-view override mechanism.
"""

from __future__ import annotations

from functools import wraps

# Directive → sources. No 'unsafe-inline' and no 'unsafe-eval' anywhere in the site's policy.
CONTENT_SECURITY_POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'",),
    "font-src": ("'self'",),
    "connect-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}

# Feature → allowlist; an empty allowlist turns the feature off. The camera is granted only by
# the views that capture portraits (@permissions_policy(camera="self")).
PERMISSIONS_POLICY: dict[str, tuple[str, ...]] = {
    "camera": (),
    "microphone": (),
    "geolocation": (),
    "payment": (),
    "usb": (),
    "serial": (),
    "display-capture": (),
    "fullscreen": ("self",),
}

_CSP_OVERRIDES = "_cancuoc_csp_overrides"
_PERMISSIONS_OVERRIDES = "_cancuoc_permissions_overrides"


def _directive(name: str) -> str:
    return name.replace("_", "-")


def _sources(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def content_security_policy(**directives: str | tuple[str, ...]):
    """Replace the named CSP directives for the answers of one view: ``style_src=("'self'", "data:")``."""
    overrides = {_directive(name): _sources(value) for name, value in directives.items()}
    unknown = set(overrides) - set(CONTENT_SECURITY_POLICY)
    if unknown:
        raise ValueError(f"unknown CSP directive(s): {', '.join(sorted(unknown))}")
    return _marking(_CSP_OVERRIDES, overrides)


def permissions_policy(**features: str | tuple[str, ...]):
    """Replace the allowlist of the named features for the answers of one view: ``camera="self"``."""
    overrides = {_directive(name): _sources(value) for name, value in features.items()}
    unknown = set(overrides) - set(PERMISSIONS_POLICY)
    if unknown:
        raise ValueError(f"unknown Permissions-Policy feature(s): {', '.join(sorted(unknown))}")
    return _marking(_PERMISSIONS_OVERRIDES, overrides)


def _marking(attribute: str, overrides: dict[str, tuple[str, ...]]):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            merged = {**getattr(response, attribute, {}), **overrides}
            setattr(response, attribute, merged)
            return response

        return wrapped

    return decorator


def content_security_policy_header(response) -> str:
    policy = {**CONTENT_SECURITY_POLICY, **getattr(response, _CSP_OVERRIDES, {})}
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in policy.items())


def permissions_policy_header(response) -> str:
    policy = {**PERMISSIONS_POLICY, **getattr(response, _PERMISSIONS_OVERRIDES, {})}
    return ", ".join(f"{name}=({' '.join(map(_origin, sources))})" for name, sources in policy.items())


def _origin(source: str) -> str:
    # Structured-header syntax: the keywords bare, origins quoted.
    return source if source in ("self", "*") else f'"{source}"'
