/* Phone-order form: workshop suggestions as you type, and adding/removing lines without a round trip.
   Without this file the form still works: the customer number is typed and "Add line" posts the form. */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  function setupPicker() {
    var input = document.getElementById("workshop");
    var hidden = document.getElementById("workshop_id");
    var list = document.getElementById("workshop-suggestions");
    if (!input || !hidden || !list) { return; }
    var url = input.getAttribute("data-search-url");
    var items = [];
    var active = -1;
    var lastQuery = null;

    function close() {
      list.hidden = true;
      list.textContent = "";
      items = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var nodes = list.querySelectorAll("li");
      active = index;
      for (var i = 0; i < nodes.length; i++) {
        nodes[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      if (index >= 0 && nodes[index]) {
        input.setAttribute("aria-activedescendant", nodes[index].id);
        nodes[index].scrollIntoView({ block: "nearest" });
      }
    }

    function pick(index) {
      var item = items[index];
      if (!item) { return; }
      input.value = item.label;
      hidden.value = String(item.id);
      lastQuery = item.label;
      close();
    }

    function show(results) {
      list.textContent = "";
      items = results;
      active = -1;
      if (!results.length) { close(); return; }
      results.forEach(function (w, i) {
        var li = document.createElement("li");
        li.id = "workshop-option-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.className = "name";
        name.textContent = w.name + (w.blocked ? " (blocked)" : "");
        var meta = document.createElement("span");
        meta.className = "meta";
        meta.textContent = w.number + (w.phones.length ? " · " + w.phones.join(", ") : "");
        li.appendChild(name);
        li.appendChild(meta);
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); pick(i); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(0);
    }

    var search = debounce(function () {
      var q = input.value.trim();
      if (q === lastQuery) { return; }
      lastQuery = q;
      if (q.length < 2) { close(); return; }
      fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (results) { if (input.value.trim() === q) { show(results); } })
        .catch(function () { close(); });
    }, 150);

    input.addEventListener("input", function () { hidden.value = ""; search(); });
    input.addEventListener("keydown", function (ev) {
      if (list.hidden) {
        if (ev.key === "ArrowDown") { lastQuery = null; search(); }
        return;
      }
      if (ev.key === "ArrowDown") { ev.preventDefault(); highlight(Math.min(items.length - 1, active + 1)); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); highlight(Math.max(0, active - 1)); }
      else if (ev.key === "Enter") { if (active >= 0) { ev.preventDefault(); pick(active); } }
      else if (ev.key === "Escape") { ev.preventDefault(); close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  function setupLines() {
    var body = document.getElementById("lines-body");
    var form = document.getElementById("order-form");
    if (!body || !form) { return; }
    var addButton = form.querySelector(".add-line");

    function rows() { return body.querySelectorAll("tr.line-row"); }

    function renumber() {
      var all = rows();
      for (var i = 0; i < all.length; i++) {
        var n = i + 1;
        all[i].querySelectorAll("label").forEach(function (label) {
          label.textContent = label.textContent.replace(/^Line \d+/, "Line " + n);
        });
        var remove = all[i].querySelector(".remove-line");
        if (remove) { remove.setAttribute("aria-label", "Remove line " + n); remove.value = String(i); }
        var part = all[i].querySelector(".part-number");
        if (part) { if (i === 0) { part.setAttribute("accesskey", "l"); } else { part.removeAttribute("accesskey"); } }
      }
    }

    function nextIndex() {
      var max = -1;
      body.querySelectorAll("input[name^='lines-']").forEach(function (el) {
        var m = /^lines-(\d+)-/.exec(el.name);
        if (m) { max = Math.max(max, parseInt(m[1], 10)); }
      });
      return max + 1;
    }

    function clear(row) {
      row.querySelectorAll("input").forEach(function (el) { el.value = el.type === "number" ? "1" : ""; });
      row.querySelectorAll(".field-errors, .ev-note").forEach(function (el) { el.remove(); });
      // an emptied or new row is no line the message was read as: it points at no evidence (evidence.js)
      [row].concat(Array.prototype.slice.call(row.querySelectorAll("[data-ev-for]"))).forEach(function (el) {
        el.removeAttribute("data-ev-for");
        el.classList.remove("ev-stale", "ev-active");
      });
    }

    function addRow() {
      var all = rows();
      var template = all[all.length - 1];
      var row = template.cloneNode(true);
      var index = nextIndex();
      row.querySelectorAll("[name], [id], [for]").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var v = el.getAttribute(attr);
          if (v) { el.setAttribute(attr, v.replace(/^lines-\d+-/, "lines-" + index + "-")); }
        });
      });
      clear(row);
      body.appendChild(row);
      renumber();
      var part = row.querySelector(".part-number");
      if (part) { part.focus(); }
    }

    if (addButton) {
      addButton.addEventListener("click", function (ev) { ev.preventDefault(); addRow(); });
    }
    body.addEventListener("click", function (ev) {
      var button = ev.target.closest(".remove-line");
      if (!button) { return; }
      ev.preventDefault();
      var row = button.closest("tr.line-row");
      var all = rows();
      if (all.length > 1) {
        var next = row.nextElementSibling || row.previousElementSibling;
        row.remove();
        renumber();
        var focus = next && next.querySelector(".part-number");
        if (focus) { focus.focus(); }
      } else {
        clear(row);
        var part = row.querySelector(".part-number");
        if (part) { part.focus(); }
      }
    });
  }

  function guardDoubleSubmit() {
    // a double click on Save during a call must not record the order twice
    var form = document.getElementById("order-form");
    if (!form) { return; }
    var sent = false;
    form.addEventListener("submit", function (ev) {
      if (sent) { ev.preventDefault(); return; }
      sent = true;
      setTimeout(function () { sent = false; }, 5000);  // the server may be slow: let a retry through later
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupPicker();
    setupLines();
    guardDoubleSubmit();
  });
})();
