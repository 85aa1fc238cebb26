#!/bin/sh
# Trunk's post_build hook (Trunk.toml): finishes the pages in the staging directory.
set -eu
cd "$TRUNK_STAGING_DIR"

# The embeddable player (embed.html) is the same app as the playground: it picks its mode from the
# page's name, so it is a copy of index.html with its own title (below). The lab (lab.html) is its own
# app (the `labpage` binary, a classic script): a copy of index.html with the stylesheets, without the
# playground's app and static shell (the lab draws its whole page itself, at once).
sed -e 's|<title>[^<]*</title>|<title>Quorate lab</title>|' -e '/<!-- shell/,/<!-- \/shell -->/d' \
  -e '/<!-- isolate/,/<!-- \/isolate -->/d' \
  -e '/<script type="module">/,/<\/script>/c\    <script src="./labpage.js"></script>\n    <script>wasm_bindgen();</script>' \
  -e 's|<link rel="modulepreload" [^>]*>||' -e 's|<link rel="preload" href="[^"]*_bg\.wasm"[^>]*>||' \
  index.html > lab.html
grep -q 'labpage.js' lab.html && ! grep -q 'app-' lab.html || {
  echo "post_build.sh: lab.html still loads the playground's app or lacks its own; update the sed above" >&2
  exit 1
}

# The pages with a static shell paint first, then fetch the app: the shell is on screen before the
# 300 KB of the app's wasm compete with it for the network and the main thread (a browser that preloads would
# fetch it before the first paint). The app starts once the page has painted content (the paint timing
# entry), or after 1 s where no such entry comes (a hidden tab, a browser without paint timing).
start='await new Promise((go) => { if (performance.getEntriesByName("first-contentful-paint").length) return go(); try { new PerformanceObserver((list, seen) => { if (list.getEntriesByName("first-contentful-paint").length) { seen.disconnect(); go(); } }).observe({ type: "paint", buffered: true }); } catch (e) { go(); } setTimeout(go, 1000); });'
sed -i \
  -e 's|<link rel="preload" href="[^"]*_bg\.wasm"[^>]*>||' \
  -e "s|^const wasm = await init(|${start}\n&|" \
  index.html
grep -q 'first-contentful-paint' index.html || {
  echo "post_build.sh: the app's loader in index.html changed; update the sed above" >&2
  exit 1
}

# The player's shell is its own waiting box, the one its app draws until the first frame, and a
# script that draws a lesson's title and introduction in it as soon as the lesson's text is here
# (embed-intro.html; the app keeps the shell until it draws the same). The player's app loads once
# that has painted (or at once when there is none): its wasm does not hold up the text.
sed -e 's|<title>[^<]*</title>|<title>Quorate player</title>|' -e '/<!-- isolate/,/<!-- \/isolate -->/d' \
  -e '/<!-- shell/,/<!-- \/shell -->/c\    <main class="embed loading" id="shell" aria-busy="true">Starting the simulation…</main>\n    <!-- intro -->' \
  index.html > embed.html
files=$(grep -v '^#' lessons/index.txt | tr -s ' \n' ' ' | sed 's/ *$//')
sed -e "s|@LESSON_FILES@|$files|" "$TRUNK_SOURCE_DIR/embed-intro.html" > embed-intro.tmp
sed -i -e '/<!-- intro -->/r embed-intro.tmp' -e '/<!-- intro -->/d' embed.html
rm embed-intro.tmp
sed -i -e 's|^const wasm = await init(|await window.quorateIntro;\n&|' embed.html
grep -q 'lesson-say' embed.html && grep -q '01-election.lesson' embed.html && ! grep -q '@LESSON_FILES@' embed.html \
  && grep -q '^await window.quorateIntro' embed.html || {
  echo "post_build.sh: embed.html lacks the introduction's script; update the sed above" >&2
  exit 1
}

# Only the playground registers the service worker that isolates it where the host cannot (isolate.js).
grep -q "register('./isolate.js'" index.html && ! grep -q 'isolate.js' lab.html embed.html && [ -f isolate.js ] || {
  echo "post_build.sh: the service worker's registration is not in index.html alone; update the seds above" >&2
  exit 1
}
