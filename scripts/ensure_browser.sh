#!/usr/bin/env bash
# Make sure a Chromium, its WebDriver (for Selenium grading) and CJK fonts are present (Debian's packages; never a downloaded browser).
set -euo pipefail
if [[ -n "${SANDBOX_CHROMIUM:-}" && -x "${SANDBOX_CHROMIUM}" ]]; then
  have_browser=1
elif [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
  have_browser=1
else
  have_browser=0
fi
if fc-list :lang=zh 2>/dev/null | grep -qi 'noto.*cjk'; then have_fonts=1; else have_fonts=0; fi
if [[ $have_browser == 1 && $have_fonts == 1 ]]; then exit 0; fi
echo "Installing Chromium and CJK fonts from Debian's packages…"
SUDO=""
if [[ $(id -u) != 0 ]]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-noto-cjk >/dev/null
