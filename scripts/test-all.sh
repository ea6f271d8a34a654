#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine, then runs every test.
# Debian packages are installed only when missing (needs root for apt-get).
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(socat mosquitto mosquitto-clients chromium gcc-avr avr-libc arduino-core-avr docker-compose openssl)
missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The hub supports Node.js 22 and later (package.json engines). On an older Node, npm ci only warns
# (EBADENGINE); --engine-strict=false keeps a user's npm config from turning that into a failure.
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 22 ]; then
  echo "note: Node.js $(node --version) is older than the supported 22; npm warns (EBADENGINE) and the tests run anyway"
fi
npm ci --no-audit --no-fund --engine-strict=false
npm run build
npm run typecheck
npm run lint
# The serial-telemetry firmware (gcc-avr, avr-libc, arduino-core-avr); its tests run the hex in avr8js.
bash scripts/build-firmware.sh
npm test
