"""cancuoc: a national chip identity-card programme, end to end."""

__version__ = "0.1.0"
