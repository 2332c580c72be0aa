#!/usr/bin/env bash
# Installs Debian's prometheus (the server and promtool) when missing: the
# Prometheus source's tests run against it. Idempotent; needs root and apt-get.
set -euo pipefail
if command -v prometheus >/dev/null && command -v promtool >/dev/null; then
    exit 0
fi
if ! command -v apt-get >/dev/null; then
    echo "install-prometheus: no apt-get here; install prometheus and promtool (2.42 or later)" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
command -v promtool >/dev/null
