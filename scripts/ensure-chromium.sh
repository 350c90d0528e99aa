#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (no browser is ever downloaded by a
# test tool). Install it when it is missing and we may; otherwise say how.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "error: the browser tests need Debian's chromium at /usr/bin/chromium." >&2
  echo "       Install it with: sudo apt-get install chromium" >&2
  exit 1
fi
