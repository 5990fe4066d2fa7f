#!/usr/bin/env bash
# Every global symbol the C kernels export starts with tok_ (module names are global; so are C symbols).
set -euo pipefail
dir=${1:-.build/debug/CTokKernels.build}
bad=$(nm -g --defined-only "$dir"/*.o 2>/dev/null | awk 'NF==3 {print $3}' | grep -v '^_\?tok_' || true)
if [[ -n $bad ]]; then
  echo "check-symbols: exported C symbols without the tok_ prefix:" >&2
  echo "$bad" >&2
  exit 1
fi
