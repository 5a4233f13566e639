#!/usr/bin/env bash
# Builds a self-contained static copy of the page into dist/:
#
#   dist/index.html, dist/embed.html (one figure, for iframes), dist/companion.html (an article)
#   dist/www/*.js, dist/www/*.css
#   dist/data/*_TRAIN.ts  (two real datasets the companion article measures)
#   dist/www/pkg/hardmax.js, dist/www/pkg/hardmax_bg.wasm   (release build, wasm-opt -O3, via scripts/build-wasm.sh)
#
# The example datasets are compiled into the wasm (src/presets.rs), so nothing else is fetched.
# Every URL in the page is relative, so dist/ works from any static host, at the root or under a
# sub-path (https://host/any/sub/path/). Publish by copying dist/ as it is.
#
# Needs what scripts/build-wasm.sh needs (scripts/setup.sh wasm).   Usage: bash scripts/dist.sh   (or make dist)
set -euo pipefail

cd "$(dirname "$0")/.."

OUT=dist
say() { printf '[dist] %s\n' "$*"; }
die() { printf '[dist] ERROR: %s\n' "$*" >&2; exit 1; }

bash scripts/build-wasm.sh

for f in index.html embed.html companion.html; do [ -f "$f" ] || die "$f not found"; done
[ -f www/style.css ] || die "www/style.css not found"
for f in www/pkg/hardmax.js www/pkg/hardmax_bg.wasm; do
    [ -s "$f" ] || die "$f missing after scripts/build-wasm.sh"
done
[ "$(head -c 4 www/pkg/hardmax_bg.wasm | od -An -tx1 | tr -d ' \n')" = "0061736d" ] \
    || die "www/pkg/hardmax_bg.wasm is not a wasm module"

# The page must not use root-relative or absolute URLs for its own files, or it breaks under a sub-path.
bad="$(grep -nE '(src|href)="/[^/]|url\(["'"'"']?/[^/]|(import|from)[[:space:]]*\(?[[:space:]]*["'"'"']/|fetch\([[:space:]]*["'"'"']/|new URL\([[:space:]]*["'"'"']/' \
    index.html embed.html companion.html www/*.js www/*.css www/pkg/hardmax.js || true)"
[ -z "$bad" ] || die "root-relative URLs would break hosting under a sub-path:
$bad"

# Assemble next to dist/ and swap it in at the end, so dist/ is never half written.
tmp="$(mktemp -d "${OUT}.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/www/pkg"
cp index.html embed.html "$tmp/"
sed 's|name="hardmax-data" content="tests/data/"|name="hardmax-data" content="data/"|' companion.html > "$tmp/companion.html"
cp www/*.js www/*.css "$tmp/www/"
# The companion article measures the construction on two real datasets (their training splits).
mkdir -p "$tmp/data"
cp tests/data/BasicMotions_TRAIN.ts tests/data/JapaneseVowels_TRAIN.ts "$tmp/data/"
cp www/pkg/hardmax.js www/pkg/hardmax_bg.wasm "$tmp/www/pkg/"
chmod -R a+rX "$tmp"
rm -rf "$OUT"
mv "$tmp" "$OUT"
trap - EXIT

size() { wc -c < "$1" | tr -d ' '; }
gz() { gzip -9 -c "$1" | wc -c | tr -d ' '; }
total=0
total_gz=0
say "files:"
while IFS= read -r f; do
    s=$(size "$f"); g=$(gz "$f")
    total=$((total + s)); total_gz=$((total_gz + g))
    printf '[dist]   %-32s %9s bytes  (%s gzip)\n' "${f#"$OUT"/}" "$s" "$g"
done < <(find "$OUT" -type f | sort)
say "total: $(find "$OUT" -type f | wc -l | tr -d ' ') files, $total bytes ($(du -sh "$OUT" | cut -f1) on disk), $total_gz bytes gzip'd"
cat <<EOF
[dist]
[dist] Publish: copy the contents of $OUT/ to any static web host, at the root or under any sub-path, e.g.
[dist]   rsync -a --delete $OUT/ user@host:/var/www/html/hardmax/      (any web server)
[dist]   or push $OUT/ to a gh-pages branch / upload it as the GitHub Pages artifact
[dist] The host should serve .wasm as application/wasm (most do; otherwise the page falls back to a slower load).
[dist] Try it locally:  python3 -m http.server -d $OUT 8000   then open http://127.0.0.1:8000/
EOF
