"""Card personalisation and Passive Authentication speed, per core (one process).

    python bench/card_crypto.py [--cards 2000]

Personalisation: everything but face encoding and rendering (the portrait JPEG is made once): MRZ, QR,
DG1/2/13/14/15, two EC key pairs per card (active and chip authentication), EF.COM, EF.SOD signed with
ECDSA P-256 — compared with `openssl speed ecdsap256` signatures per second on the same machine.
Passive Authentication: `verify_files` of a complete card (SOD signature, chain to the CSCA, every DG
hash, MRZ, QR = DG13), without Active Authentication.
"""

import argparse
import datetime as dt
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from cancuoc.icao import pki  # noqa: E402
from cancuoc.icao.personalisation import CHIP_AA_KEY_FILE, Holder, personalise  # noqa: E402
from cancuoc.icao.portrait import placeholder_portrait  # noqa: E402
from cancuoc.icao.verify import load_certificates, verify_files  # noqa: E402
from report import record, software_pki  # noqa: E402


def openssl_ecdsa_p256_per_second() -> tuple[float, float] | None:
    """(signatures/s, verifications/s) of `openssl speed ecdsap256` on this machine."""
    try:
        result = subprocess.run(["openssl", "speed", "-seconds", "3", "-elapsed", "ecdsap256"], capture_output=True,
                                text=True, timeout=120)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"256 bits ecdsa \(nistp256\)\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)\s+([\d.]+)", result.stdout)
    return (float(match.group(1)), float(match.group(2))) if match else None


def softhsm_personalisations_per_second(csca_signer, csca, holders, portrait, now) -> str:
    """Personalisation with the DS key on a SoftHSM token (PKCS#11), if SoftHSM is installed."""
    import shutil
    import tempfile

    from cryptography.hazmat.primitives import serialization

    from cancuoc.icao import hsm

    if hsm.softhsm_module() is None:
        return "SoftHSM not installed"
    folder = Path(tempfile.mkdtemp())
    token = hsm.create_softhsm_token(folder, "bench", "1234", "12345678")
    signer = hsm.Pkcs11Signer.generate(token, "ds-bench", pki.DS_CURVE)
    ds_der = pki.make_document_signer(csca_signer, csca, signer.public_key(), now=now).public_bytes(
        serialization.Encoding.DER
    )
    sample = holders[:500]
    start = time.perf_counter()
    for holder in sample:
        personalise(holder, issue_date=dt.date(2026, 11, 2), portrait=portrait, ds_signer=signer, ds_certificate_der=ds_der)
    rate = len(sample) / (time.perf_counter() - start)
    shutil.rmtree(folder, ignore_errors=True)
    return f"{rate:,.0f} cards/s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=2000)
    args = parser.parse_args()
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    csca_signer, csca, ds_signer, ds_der = software_pki(now)
    portrait = placeholder_portrait("F")
    holders = [
        Holder(f"001{190 + i % 10:03d}{i:06d}"[:12], "Nguyễn", "Thị", "Hòa", dt.date(1990, 1, 1 + i % 28), "F",
               place_of_residence="Phường Ba Đình, Thành phố Hà Nội")
        for i in range(args.cards)
    ]  # fmt: skip
    start = time.perf_counter()
    cards = [personalise(h, issue_date=dt.date(2026, 11, 2), portrait=portrait, ds_signer=ds_signer,
                         ds_certificate_der=ds_der) for h in holders]  # fmt: skip
    personalise_seconds = time.perf_counter() - start
    per_second = args.cards / personalise_seconds

    from cryptography.hazmat.primitives import serialization

    trusted = load_certificates(csca.public_bytes(serialization.Encoding.PEM))
    files = [{k: v for k, v in card.files.items() if k != CHIP_AA_KEY_FILE} for card in cards]
    assert verify_files(files[0], trusted=trusted, at=now).ok
    start = time.perf_counter()
    for card_files in files:
        verify_files(card_files, trusted=trusted, at=now)
    verify_seconds = time.perf_counter() - start
    verifications = len(files) / verify_seconds
    openssl = openssl_ecdsa_p256_per_second()
    ratio = (
        f"{per_second / openssl[0]:.2f} (openssl: {openssl[0]:,.0f} ECDSA P-256 signatures/s)"
        if openssl
        else "openssl speed unavailable"
    )
    verify_ratio = (
        f"{verifications / openssl[1]:.2f} (openssl: {openssl[1]:,.0f} ECDSA P-256 verifications/s)"
        if openssl
        else "openssl speed unavailable"
    )
    with_softhsm = softhsm_personalisations_per_second(csca_signer, csca, holders, portrait, now)
    record(
        "card-crypto",
        "Card personalisation and Passive Authentication (per core)",
        f"""`bench/card_crypto.py`: {args.cards} cards in one process.

| figure | measured | goal |
|---|---|---|
| personalisation without face encoding and rendering | **{per_second:,.0f} cards/s** | ≥ 1,000: **{"meets" if per_second >= 1000 else "misses"}** |
| ratio to `openssl speed ecdsap256` signatures/s | {ratio} | |
| the same with the DS key on a SoftHSM token (PKCS#11, 500 cards) | {with_softhsm} | |
| Passive Authentication of a complete card | **{verifications:,.0f} verifications/s** | ≥ 2,000: **{"meets" if verifications >= 2000 else "misses"}** |
| ratio to `openssl speed ecdsap256` verifications/s | {verify_ratio} | |

Each personalised card costs one ECDSA P-256 signature (EF.SOD) and two P-256 key generations (the
card's own active- and chip-authentication keys), plus the encodings. Each verification costs one
ECDSA P-256 verification (EF.SOD by the DS), the hashes, the parsing and the MRZ/QR/DG13 checks; the
DS certificate's P-384 verification by the CSCA happens once per DS, not once per card, because the
trust store remembers which CSCA signed it (a relying party sees the same few DS certificates on
thousands of cards).
Absolute figures depend on the machine: the ratios to `openssl speed` on the same machine compare runs.
""",
    )


if __name__ == "__main__":
    main()
