#!/usr/bin/env bash
# Make sure npm is present (Debian's package) to install the browser libraries of package.json.
set -euo pipefail
if command -v npm >/dev/null 2>&1; then exit 0; fi
echo "Installing Node.js and npm from Debian's packages…"
SUDO=""
if [[ $(id -u) != 0 ]]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
