#!/usr/bin/env bash
# Installs Debian's Chromium (driven by Playwright in the end-to-end tests) and the OCR-B font when
# they are missing and this user can install packages. Never downloads a browser of its own.
set -u
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -n "$(ls /usr/share/fonts/*/*ocr* 2>/dev/null)" ] || need+=(fonts-ocr-b)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "ensure-browser: cannot install ${need[*]} (not root): the end-to-end tests will say so." >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null || true
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || {
  echo "ensure-browser: apt-get install ${need[*]} failed" >&2
  exit 0
}
