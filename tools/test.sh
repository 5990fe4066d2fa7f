#!/usr/bin/env bash
# The whole test suite: system packages, a manifest check, the Swift tests, the C symbol check.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
if grep -n "unsafeFlags" Package.swift; then
  echo "tools/test.sh: Package.swift must not use unsafeFlags (SwiftPM refuses them in dependencies)" >&2
  exit 1
fi
tools/fetch_test_models.sh
swift build --build-tests
tools/check-symbols.sh .build/debug/CTokKernels.build
swift test --skip-build
