#!/usr/bin/env bash
# Installs the Debian packages the tests and the card faces need, when missing and this user can install
# packages: Chromium (driven by Playwright in the end-to-end tests), the OCR-B and DejaVu fonts (card
# faces) and SoftHSM (the PKCS#11 signer's tests). Never downloads a browser of its own.
set -u
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -n "$(ls /usr/share/fonts/*/*ocr* 2>/dev/null)" ] || need+=(fonts-ocr-b)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || need+=(fonts-dejavu-core)
[ -f /usr/lib/softhsm/libsofthsm2.so ] || need+=(softhsm2)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "ensure-system-packages: cannot install ${need[*]} (not root): the tests that need them will say so." >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null || true
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || {
  echo "ensure-system-packages: apt-get install ${need[*]} failed" >&2
  exit 0
}
