#!/usr/bin/env bash
# Debian packages Peixun needs. Checks by file (instant when all is there); as root installs what is
# missing, otherwise stops with the exact apt-get line to run. Called by `make run` / `make test`.
set -euo pipefail

missing=()
need() {  # need <package> <test command...>
  local package=$1; shift
  if ! "$@" >/dev/null 2>&1; then missing+=("$package"); fi
}
need nginx              test -x /usr/sbin/nginx
need libnginx-mod-rtmp  test -f /usr/lib/nginx/modules/ngx_rtmp_module.so
need ffmpeg             command -v ffmpeg
need fonts-wqy-microhei test -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
need chromium           test -x /usr/bin/chromium
need poppler-utils      command -v pdftotext
need python3.11         command -v python3.11
need python3.11-venv    python3.11 -c 'import ensurepip, venv'
need npm                command -v npm
# LibreOffice (headless) converts Office handouts to PDF for the library's preview and watermark.
need libreoffice-writer-nogui  dpkg -s libreoffice-writer-nogui
need libreoffice-impress-nogui dpkg -s libreoffice-impress-nogui
need libreoffice-calc-nogui    dpkg -s libreoffice-calc-nogui

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Run as root:  $line" >&2
  echo "(or run make as root, which installs them)" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q </dev/null
$line -q </dev/null
# Debian starts the packaged nginx on port 80 and enables the rtmp module there; Peixun runs its own
# nginx from var/nginx, so the system one is left as Debian set it up.
