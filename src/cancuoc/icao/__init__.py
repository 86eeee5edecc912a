"""The citizen identity card as a document, pure: no Django import anywhere in this package.

ICAO 9303 (TD1 MRZ, LDS data groups, EF.SOD, the CSCA/DS PKI, Passive and Active Authentication,
personalisation of the chip image) and what the Vietnamese card adds on the same document (QR,
DG13, validity by the 2023 law, the printed faces). The Django side (keystore, services, API,
commands, audit events) is ``cancuoc.cards``; tests/icao/test_no_django.py keeps this package pure.
"""
