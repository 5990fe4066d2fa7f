#!/usr/bin/env bash
# `tok encode | tok decode` must return every corpus file byte for byte (invalid UTF-8 included).
#   swift build -c release && tools/roundtrip.sh [DIR…]      (default: ../shared/corpus)
set -uo pipefail
tok=${TOK:-$(dirname "$0")/../.build/release/tok}
dirs=("$@")
((${#dirs[@]})) || dirs=("$(dirname "$0")/../../shared/corpus")
fail=0 n=0
while IFS= read -r -d '' f; do
  for vocab in r50k_base cl100k_base o200k_base; do
    n=$((n + 1))
    if ! "$tok" encode --vocab "$vocab" --special-as-text < "$f" | "$tok" decode --vocab "$vocab" | cmp -s - "$f"; then
      echo "DIFFERENT: $vocab $f"; fail=$((fail + 1))
    fi
  done
done < <(find "${dirs[@]}" -type f \( -name '*.txt' -o -name '*.bin' -o -name '*.tsv' \) -print0)
echo "roundtrip: $((n - fail)) passed, $fail failed"
((fail == 0))
