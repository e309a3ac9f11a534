#!/usr/bin/env bash
# Screenshots the top of an HTML report in Debian's headless Chromium (tools/install-deps.sh
# installs it), the way the README's figure is made. Nothing is fetched: name resolution is off.
#   bash tools/report_screenshot.sh report.html docs/report-screenshot.png [WIDTH] [HEIGHT]
set -euo pipefail
page=$(realpath "$1"); out=$2; width=${3:-1400}; height=${4:-1400}
profile=$(mktemp -d); trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
  --hide-scrollbars --host-resolver-rules='MAP * ~NOTFOUND' --user-data-dir="$profile" \
  --window-size="$width,$height" --screenshot="$(realpath -m "$out")" "file://$page" 2>/dev/null
echo "wrote $out (${width}x${height}) from $page"
