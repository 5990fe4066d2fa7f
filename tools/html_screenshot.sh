#!/usr/bin/env bash
# Render a `tok analyze --format html` page in headless Chromium (Debian's `chromium`) and save a
# PNG, to check the report as a person sees it, offline.
#   tools/html_screenshot.sh report.html report.png
set -euo pipefail
html=$(realpath "$1"); png=${2:-${1%.html}.png}
command -v chromium >/dev/null || { echo "html_screenshot: install chromium (apt-get install chromium)" >&2; exit 1; }
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,2400 \
  --screenshot="$png" "file://$html" >/dev/null 2>&1
[[ -s $png ]] || { echo "html_screenshot: no screenshot written" >&2; exit 1; }
echo "$png"
