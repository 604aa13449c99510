#!/usr/bin/env bash
# Installs what the test suite needs beyond Python packages: Debian's Chromium (driven by
# Playwright; never `playwright install`, which downloads its own browser), docker-compose (to
# validate docker-compose.yml; no Docker engine is needed), Caddy (to validate deploy/Caddyfile),
# pgBackRest (the backup restore drill)
# and the npm packages: axe-core, and
# oidc-provider, the OpenID Connect provider the tests run with Node.js on a loopback port.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v pgbackrest >/dev/null 2>&1 || missing+=(pgbackrest)
command -v caddy >/dev/null 2>&1 || missing+=(caddy)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v node >/dev/null 2>&1 || missing+=(nodejs)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q "${missing[@]}" >/dev/null
  else
    echo "The tests need these programs: ${missing[*]}." >&2
    echo "Install them (Debian: sudo apt-get install ${missing[*]}) and run make test again." >&2
    exit 1
  fi
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
