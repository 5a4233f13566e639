#!/usr/bin/env bash
# Builds the wasm facade into www/pkg/ (hardmax.js + hardmax_bg.wasm), optimized with binaryen's wasm-opt.
# Needs: scripts/setup.sh wasm.   FORCE=1 re-runs wasm-bindgen + wasm-opt even when the cargo output is unchanged.
set -euo pipefail

cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

OUT=www/pkg
RAW="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/wasm-release/hardmax.wasm"
WASM_OPT=node_modules/.bin/wasm-opt
STAMP="$OUT/.build-stamp"

say() { printf '[wasm] %s\n' "$*"; }
die() { printf '[wasm] ERROR: %s\n' "$*" >&2; exit 1; }

command -v wasm-bindgen >/dev/null || die "wasm-bindgen not found; run scripts/setup.sh wasm"
[ -x "$WASM_OPT" ] || die "$WASM_OPT not found; run scripts/setup.sh wasm (npm ci)"

say "cargo build --profile wasm-release --target wasm32-unknown-unknown --lib"
cargo build --profile wasm-release --target wasm32-unknown-unknown --lib
[ -f "$RAW" ] || die "$RAW not produced"

# Skip wasm-bindgen + wasm-opt when neither the cargo output nor the tools changed.
stamp="$(sha256sum "$RAW" | cut -d' ' -f1) $(wasm-bindgen --version) $("$WASM_OPT" --version) $(sha256sum "$0" | cut -d' ' -f1)"
if [ "${FORCE:-0}" != 1 ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$stamp" ] \
    && [ -f "$OUT/hardmax.js" ] && [ -f "$OUT/hardmax_bg.wasm" ]; then
    say "$OUT is up to date (FORCE=1 to rebuild)"
else
    rm -f "$STAMP"
    say "wasm-bindgen --target web -> $OUT"
    wasm-bindgen --target web --no-typescript --out-dir "$OUT" "$RAW"

    # rustc's wasm32 target emits bulk-memory(-opt), nontrapping fptoint, sign-ext, mutable-globals,
    # multivalue and reference-types (wasm-bindgen's externref table); wasm-opt must be allowed all of
    # them or validation fails ("ref.null requires additional features").
    say "wasm-opt -O3"
    "$WASM_OPT" -O3 \
        --enable-bulk-memory --enable-bulk-memory-opt \
        --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
        --enable-reference-types --enable-multivalue --enable-call-indirect-overlong \
        "$OUT/hardmax_bg.wasm" -o "$OUT/hardmax_bg.wasm.opt"
    mv "$OUT/hardmax_bg.wasm.opt" "$OUT/hardmax_bg.wasm"
    printf '%s\n' "$stamp" > "$STAMP"
fi

size() { wc -c < "$1" | tr -d ' '; }
gz() { gzip -9 -c "$1" | wc -c | tr -d ' '; }
say "$OUT/hardmax_bg.wasm: $(size "$OUT/hardmax_bg.wasm") bytes raw, $(gz "$OUT/hardmax_bg.wasm") bytes gzip'd"
say "$OUT/hardmax.js:      $(size "$OUT/hardmax.js") bytes raw, $(gz "$OUT/hardmax.js") bytes gzip'd"
