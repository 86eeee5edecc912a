"""Cards, the Django side: the keystore of the national PKI, personalising a registered citizen's card
(audited), the verification API and the `cancuoc pki` / `cancuoc card` commands. The pure document
code (MRZ, LDS, SOD, PKI, verification, faces) is ``cancuoc.icao``."""
