#!/bin/sh
# Install the Debian packages the local cluster runs on: PostgreSQL, Redis, nginx.
# Idempotent: installs only what is missing; runs apt-get update only when it installs.
# The packages' own system services (ports 5432/6379/80) are not used by the cluster.
set -eu

missing=""
for package in postgresql redis-server nginx; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $package"
    fi
done
[ -z "$missing" ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing:$missing"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
