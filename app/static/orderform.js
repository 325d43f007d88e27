/* Phone-order and edit forms: workshop suggestions as you type (and "New workshop" when none matches),
   adding/removing lines without a round trip, Enter that never saves (in a line's last field it adds a
   line), and the focus on the first field with an error.
   Without this file the form still works: the customer number is typed, "Add line" posts the form, and
   Enter in a field does nothing (the form's first submit button is a disabled one). */
(function () {
  "use strict";
  var word = window.partdeskWord;  // the page's words for this script (words.js)

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
      if (item.isNew) { close(); openNewWorkshop(item.name); return; }
      input.value = item.label;
      hidden.value = String(item.id);
      lastQuery = item.label;
      close();
    }

    function show(results) {
      list.textContent = "";
      var q = input.value.trim();
      if (!results.length && document.getElementById("new-workshop") && q.length >= 3) {
        results = [{ isNew: true, name: q }];
      }
      items = results;
      active = -1;
      if (!results.length) { close(); return; }
      results.forEach(function (w, i) {
        var li = document.createElement("li");
        if (w.isNew) {
          li.id = "workshop-option-" + i;
          li.className = "new-option";
          li.setAttribute("role", "option");
          li.setAttribute("aria-selected", "false");
          li.textContent = word("new_workshop", { name: w.name });
          li.addEventListener("mousedown", function (ev) { ev.preventDefault(); pick(i); });
          list.appendChild(li);
          return;
        }
        li.id = "workshop-option-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.className = "name";
        name.textContent = w.blocked ? word("blocked", { name: w.name }) : w.name;
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

  function openNewWorkshop(name) {
    var details = document.getElementById("new-workshop");
    var input = document.getElementById("workshop");
    var nameField = document.getElementById("new_workshop_name");
    var phoneField = document.getElementById("new_workshop_phone");
    if (!details || !nameField) { return; }
    details.open = true;
    if (name && !nameField.value) { nameField.value = name; }
    // the screen pop fills the caller's number in as the contact phone: it is most likely the workshop's
    var contact = document.getElementById("contact_phone");
    if (phoneField && !phoneField.value && contact && contact.value) { phoneField.value = contact.value; }
    if (input) { input.value = ""; }
    var hidden = document.getElementById("workshop_id");
    if (hidden) { hidden.value = ""; }
    (phoneField && !phoneField.value ? phoneField : nameField).focus();
  }

  function setupLines() {
    var body = document.getElementById("lines-body");
    var form = document.getElementById("order-form");
    if (!body || !form) { return null; }
    var addButton = form.querySelector(".add-line");

    function rows() { return body.querySelectorAll("tr.line-row"); }

    function renumber() {
      var all = rows();
      for (var i = 0; i < all.length; i++) {
        var n = i + 1;
        all[i].querySelectorAll("label").forEach(function (label) {
          label.textContent = label.textContent.replace(/\d+/, String(n));  // "Line 2 part number", "Rad 2 …"
        });
        var remove = all[i].querySelector(".remove-line");
        if (remove) { remove.setAttribute("aria-label", word("remove_line", { n: n })); remove.value = String(i); }
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
    return addRow;
  }

  function guardEnter(addRow) {
    // Enter in a field never saves a half-finished order: only the Save button does (Enter on it, a click,
    // Alt+S). In a line, Enter moves to the line's next field, and in its last field adds a line.
    var form = document.getElementById("order-form");
    if (!form) { return; }
    form.addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter" || ev.defaultPrevented || ev.isComposing) { return; }
      var t = ev.target;
      if (t.tagName === "SELECT" || (t.tagName === "INPUT" && !/^(submit|button|reset|image)$/.test(t.type))) {
        ev.preventDefault();
        var row = t.closest("tr.line-row");
        if (!row || !addRow) { return; }
        var fields = Array.prototype.slice.call(row.querySelectorAll("input"));
        var at = fields.indexOf(t);
        if (at === fields.length - 1) { addRow(); } else if (at >= 0) { fields[at + 1].focus(); }
      }
    });
  }

  function focusFirstError() {
    var form = document.getElementById("order-form");
    if (!form) { return; }
    var bad = form.querySelector(".has-error input:not([type=hidden]), .has-error select, .has-error textarea, " +
                                 "[aria-invalid='true']");
    if (!bad) { return; }
    var details = bad.closest("details");
    if (details) { details.open = true; }
    bad.focus();
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
    guardEnter(setupLines());
    guardDoubleSubmit();
    focusFirstError();
  });
})();
