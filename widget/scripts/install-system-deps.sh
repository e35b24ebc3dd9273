#!/usr/bin/env bash
# Installs what the widget's build and browser tests need from Debian: Node.js >= 20 with
# npm (the machine image ships it) and the chromium package, which the tests drive headless
# through playwright-core. Does nothing when everything is already there.
set -euo pipefail

missing=()
if ! command -v node >/dev/null || ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
  missing+=(nodejs)
fi
command -v npm >/dev/null || missing+=(npm)
# Building the widget needs only Node.js; its browser tests need Chromium as well.
if [ "${WIDGET_SKIP_BROWSER:-0}" != 1 ]; then
  [ -x "${CHROMIUM:-/usr/bin/chromium}" ] || missing+=(chromium fonts-dejavu-core)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing from Debian: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
if ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
  echo "error: the widget's tests need Node.js >= 20 (playwright-core); found $(node --version)" >&2
  exit 1
fi
