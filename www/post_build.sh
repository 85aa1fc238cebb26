#!/bin/sh
# Trunk's post_build hook (Trunk.toml): finishes the pages in the staging directory.
set -eu
cd "$TRUNK_STAGING_DIR"

# Paint first, then fetch the app: the static shell (or the player's box) is on screen before the
# 340 KB of wasm compete with it for the network, and a browser that preloads would fetch it before
# the first paint. The app starts after the first animation frame, or after 200 ms in a tab that draws
# no frames (hidden).
sed -i \
  -e 's|<link rel="preload" href="[^"]*_bg\.wasm"[^>]*>||' \
  -e 's|^const wasm = await init(|await new Promise((go) => { requestAnimationFrame(() => setTimeout(go)); setTimeout(go, 200); });\n&|' \
  index.html
grep -q 'requestAnimationFrame(() => setTimeout(go))' index.html || {
  echo "post_build.sh: the app's loader in index.html changed; update the sed above" >&2
  exit 1
}

# The embeddable player (embed.html) and the lab (lab.html) are the same app: it picks its mode from
# the page's name, so each page is a copy of index.html with its own title. The player's first paint is
# its own waiting box (the one its app draws until the first frame); the lab draws its own page.
sed -e 's|<title>[^<]*</title>|<title>Quorate player</title>|' \
  -e '/<!-- shell/,/<!-- \/shell -->/c\    <main class="embed loading" id="shell" aria-busy="true">Starting the simulation…</main>' \
  index.html > embed.html
sed -e 's|<title>[^<]*</title>|<title>Quorate lab</title>|' -e '/<!-- shell/,/<!-- \/shell -->/d' \
  index.html > lab.html
