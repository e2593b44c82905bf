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
mkdir -p static/vendor/pdfjs
# As .js: nginx and Python map .mjs to no JavaScript type, and browsers refuse such module scripts.
cp node_modules/pdfjs-dist/build/pdf.min.mjs static/vendor/pdfjs/pdf.min.js
cp node_modules/pdfjs-dist/build/pdf.worker.min.mjs static/vendor/pdfjs/pdf.worker.min.js
cp -r node_modules/pdfjs-dist/cmaps static/vendor/pdfjs/
