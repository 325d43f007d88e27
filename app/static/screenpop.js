// Screen pop: every 3 s ask who is calling the branch, and show "calling now: ..." with a link to
// the order form. DOM built with textContent only: caller names come from imported data.
(function () {
  "use strict";
  var word = window.partdeskWord;  // the page's words for this script (words.js)
  var box = document.getElementById("screenpop");
  if (!box) { return; }
  var url = box.getAttribute("data-url");
  var shown = "";
  var INTERVAL = 3000;

  function render(calls) {
    var key = JSON.stringify(calls.map(function (c) { return [c.id, c.text, c.url]; }));
    if (key === shown) { return; }
    shown = key;
    while (box.firstChild) { box.removeChild(box.firstChild); }
    calls.forEach(function (call) {
      var line = document.createElement("p");
      line.className = "screenpop-call";
      var text = document.createElement("strong");
      text.textContent = call.text;
      var link = document.createElement("a");
      link.href = call.url;
      link.textContent = word(call.workshop_id ? "open_form" : "new_for_number");
      line.appendChild(text);
      line.appendChild(document.createTextNode(" "));
      line.appendChild(link);
      box.appendChild(line);
    });
    box.hidden = calls.length === 0;
  }

  function poll() {
    if (document.hidden) { return; }
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" }, redirect: "error" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/json") !== 0) { throw new Error("not signed in"); }
        return response.json();
      })
      .then(function (data) {
        render(data.calls || []);
        // the menu's counts (desk.js) come with the same answer: one poll for both
        document.dispatchEvent(new CustomEvent("partdesk:live", { detail: data }));
      })
      .catch(function () { render([]); });
  }

  poll();
  window.setInterval(poll, INTERVAL);
  document.addEventListener("visibilitychange", poll);
}());
