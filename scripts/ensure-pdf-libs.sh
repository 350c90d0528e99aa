#!/usr/bin/env bash
# `make pdf` prints the book with WeasyPrint (installed from PyPI with the
# other dependencies), which needs Pango and HarfBuzz from the system. Install
# them from Debian's packages when they are missing and we may; otherwise say how.
# Usage: scripts/ensure-pdf-libs.sh PYTHON
set -euo pipefail
python="${1:-python3}"
if "$python" -c "import weasyprint" >/dev/null 2>&1; then exit 0; fi
packages="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing WeasyPrint's system libraries from Debian's packages..."
  apt-get update -qq
  # shellcheck disable=SC2086 # one word per package
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
  "$python" -c "import weasyprint" && exit 0
fi
echo "error: the PDF needs WeasyPrint's system libraries (Pango, HarfBuzz)." >&2
echo "       Install them with: sudo apt-get install $packages" >&2
"$python" -c "import weasyprint" 2>&1 | tail -n 3 >&2 || true
exit 1
