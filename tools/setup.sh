#!/usr/bin/env bash
# Installs what building and testing Tok needs: ICU, zstd (library and command), pkg-config.
# Debian/Ubuntu with apt; on other systems install the same packages by hand (macOS: brew install icu4c zstd pkg-config).
set -euo pipefail
need=()
for pkg in libicu-dev libzstd-dev pkg-config zstd; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if ((${#need[@]})); then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "tools/setup.sh: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
