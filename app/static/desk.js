/* The menu on every page: "/" focuses the search box; the menu collapses behind a button on a narrow
   screen; the live counts that come with the screen pop's poll (screenpop.js fires "partdesk:live") go
   into the tab title and on the menu's links, and a staff member who turned the sound on hears a short
   tone (generated here, no file) when more orders are waiting than at the last poll. */
(function () {
  "use strict";
  var header = document.querySelector(".topbar");
  if (!header) { return; }
  header.classList.add("js");

  var search = document.getElementById("q-menu");
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || !search) { return; }
    var el = document.activeElement;
    var typing = el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
    if (typing) { return; }
    event.preventDefault();
    header.classList.add("menu-open");
    search.focus();
    search.select();
  });

  var toggle = header.querySelector(".menu-toggle");
  if (toggle) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = header.classList.toggle("menu-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  var baseTitle = document.title;
  var menu = document.getElementById("menu");
  var sound = menu && menu.getAttribute("data-sound") === "1";
  var last = null;
  var audio = null;

  function tone() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      [0, 0.18].forEach(function (at, i) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.frequency.value = i ? 1175 : 880;
        gain.gain.setValueAtTime(0.0001, audio.currentTime + at);
        gain.gain.exponentialRampToValueAtTime(0.2, audio.currentTime + at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + at + 0.16);
        osc.connect(gain).connect(audio.destination);
        osc.start(audio.currentTime + at);
        osc.stop(audio.currentTime + at + 0.17);
      });
      document.documentElement.setAttribute("data-last-tone", String(Date.now()));
    } catch (e) { /* no audio here: the title still says it */ }
  }

  var word = window.partdeskWord;  // the page's words for this script (words.js)

  function badge(id, n, label) {
    var el = document.getElementById(id);
    if (!el) { return; }
    el.textContent = n > 0 ? String(n) : "";
    el.hidden = n <= 0;
    el.setAttribute("aria-label", word(label, { n: n }));
  }

  document.addEventListener("partdesk:live", function (event) {
    var c = event.detail && event.detail.counts;
    if (!c) { return; }
    var prefix = c.waiting > 0 ? "(" + c.waiting + (c.urgent > 0 ? ", " + word("urgent", { n: c.urgent }) : "") + ") " : "";
    document.title = prefix + baseTitle;
    badge("queue-count", c.waiting, "orders_waiting");
    badge("inbox-count", c.inbox, "messages_waiting");
    var queueCount = document.getElementById("queue-count");
    if (queueCount) { queueCount.classList.toggle("has-urgent", c.urgent > 0); }
    if (last !== null && c.waiting > last && sound) { tone(); }
    last = c.waiting;
  });
}());
