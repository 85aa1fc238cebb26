/*
 * Quorate embed loader: turns each <div class="quorate-embed" ...> on the page into a live player
 * (an iframe of embed.html, sized to its content), and gives the host page a message API.
 *
 *   <div class="quorate-embed" data-lesson="election"></div>
 *   <div class="quorate-embed" data-engine="raft" data-seed="7" data-nodes="5"></div>
 *   <script src="https://YOUR-SITE/quorate/embed/quorate-embed.js" defer></script>
 *
 * Attributes (all optional, data only): data-lesson, data-engine, data-seed, data-nodes,
 * data-title (the frame's accessible name), data-height (pixels before the player reports its own),
 * data-allow-origin (an origin, e.g. https://docs.example.org, whose messages the player obeys besides
 * its own site's; without it a player on another site ignores the host's requests).
 *
 * Host API: element.quorate.send({quorate: 'play'}) (also 'pause', 'step', 'back', 'restart',
 * {quorate: 'seek', time_ms}, {quorate: 'lesson-step', step}, {quorate: 'load', lesson} or
 * {quorate: 'load', engine, seed, nodes}); the player's events arrive as 'quorate' DOM events on the
 * element, with the message as event.detail ({quorate: 'ready' | 'frame' | 'step' | 'error', ...}).
 * Nothing here evaluates what a page or a message carries.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  var base = script && script.src ? script.src : location.href;
  var playerUrl = new URL('../embed.html', base);
  var playerOrigin = playerUrl.origin;
  var players = [];

  function fragment(el) {
    var parts = [];
    var keys = ['lesson', 'engine', 'seed', 'nodes'];
    for (var i = 0; i < keys.length; i++) {
      var value = el.getAttribute('data-' + keys[i]);
      if (value) parts.push(keys[i] + '=' + encodeURIComponent(value));
    }
    var allow = el.getAttribute('data-allow-origin');
    if (allow) parts.push('origin=' + encodeURIComponent(allow));
    return parts.join('&');
  }

  function mount(el) {
    if (el.getAttribute('data-quorate-ready')) return;
    el.setAttribute('data-quorate-ready', '1');
    var frame = document.createElement('iframe');
    frame.src = playerUrl.href + '#' + fragment(el);
    frame.title = el.getAttribute('data-title') || 'Quorate: a live protocol simulation';
    frame.style.width = '100%';
    frame.style.border = '0';
    frame.style.height = (parseInt(el.getAttribute('data-height'), 10) || 520) + 'px';
    el.appendChild(frame);
    var player = {
      element: el,
      iframe: frame,
      send: function (message) {
        if (frame.contentWindow) frame.contentWindow.postMessage(message, playerOrigin);
      },
    };
    el.quorate = player;
    players.push(player);
  }

  window.addEventListener('message', function (event) {
    if (event.origin !== playerOrigin) return;
    var data = event.data;
    if (!data || typeof data !== 'object' || typeof data.quorate !== 'string') return;
    for (var i = 0; i < players.length; i++) {
      var player = players[i];
      if (player.iframe.contentWindow !== event.source) continue;
      if (data.quorate === 'height') {
        var height = Number(data.height);
        if (height > 0) player.iframe.style.height = Math.min(Math.max(height, 120), 4000) + 'px';
      } else {
        player.element.dispatchEvent(new CustomEvent('quorate', { detail: data }));
      }
    }
  });

  function mountAll() {
    var found = document.querySelectorAll('.quorate-embed');
    for (var i = 0; i < found.length; i++) mount(found[i]);
  }
  window.QuorateEmbed = { players: players, mount: mountAll };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mountAll);
  else mountAll();
})();
