#!/usr/bin/env bash
# Front-end libraries come from the npm registry (package-lock.json) and are copied into static/vendor.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
mkdir -p static/vendor
cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
cp node_modules/hls.js/dist/hls.min.js static/vendor/hls.min.js
cp node_modules/echarts/dist/echarts.min.js static/vendor/echarts.min.js
