// Live dashboard: every few seconds fetch the server-rendered panel (already escaped by the
// server) and swap it in as parsed DOM nodes. No innerHTML, no inline script (strict CSP).
(function () {
  "use strict";
  var host = document.getElementById("panel-host");
  var state = document.getElementById("refresh-state");
  var select = document.getElementById("branch");
  if (select && select.form) {
    select.addEventListener("change", function () { select.form.submit(); });
  }
  if (!host || !window.fetch || !window.DOMParser) { return; }
  var seconds = parseInt(host.getAttribute("data-seconds"), 10) || 10;
  var src = host.getAttribute("data-src");
  var busy = false;

  var word = window.partdeskWord;  // the page's words for this script (words.js)

  function say(text) { if (state) { state.textContent = text; } }

  function refresh() {
    if (busy || document.hidden) { return; }
    busy = true;
    fetch(src, { credentials: "same-origin", headers: { "Accept": "text/html" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (text) {
        var doc = new DOMParser().parseFromString(text, "text/html");
        var fresh = doc.getElementById("panel");
        var current = document.getElementById("panel");
        if (!fresh || !current) { throw new Error("not a dashboard panel (logged out?)"); }
        current.replaceWith(document.importNode(fresh, true));
        host.classList.remove("stale");
        say(word("live", { seconds: seconds }));
      })
      .catch(function (err) {
        host.classList.add("stale");
        say(word("stale", { error: err.message }));
      })
      .then(function () { busy = false; });
  }

  say(word("live", { seconds: seconds }));
  window.setInterval(refresh, seconds * 1000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh(); } });
}());
