"""Fingerprints: synthetic generation, quality, ISO/IEC 19794-2 templates and 1:N reference matching (pure, no Django)."""
