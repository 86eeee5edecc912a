"""Biometrics, the Django side: captures (portrait and ten fingerprints, encrypted at rest), the ABIS
request queue and its reference engine, 1:1 verification of a holder. The measuring code is pure and lives
in ``cancuoc.faces`` and ``cancuoc.fingerprints``."""
