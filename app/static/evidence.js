/* Evidence: pointing at or focusing a field (or a line) outlines the words of the sender's text it was
   read from. The server marks each piece of the text with the keys of the fields read from it
   (data-ev="plate line-0 line-0-part_number") and each field with its key (data-ev-for="plate"); a part
   of a line (its part number) lights up strongly, the rest of its line softly.
   On the review page a field that is edited here stops pointing at its words and says so.
   Without this file the page is the same, without the outlines. */
(function () {
  "use strict";

  var focused = null;  // the element with the keyboard focus
  var current = null;  // what is lit: the field last pointed at, else the focused one
  var lit = [];

  function keyed(el) { return el && el.closest ? el.closest("[data-ev-for]") : null; }

  function chain(el) {
    var out = [];
    for (var at = keyed(el); at; at = keyed(at.parentElement)) { out.push(at); }
    return out;
  }

  function pieces(key) {
    var all = document.querySelectorAll("[data-ev]");
    var out = [];
    for (var i = 0; i < all.length; i++) {
      if ((" " + all[i].getAttribute("data-ev") + " ").indexOf(" " + key + " ") >= 0) { out.push(all[i]); }
    }
    return out;
  }

  function mark(el, cls) { el.classList.add(cls); lit.push(el); }

  function clear() {
    lit.forEach(function (el) { el.classList.remove("ev-on", "ev-near", "ev-active"); });
    lit = [];
  }

  function scrollWithin(el) {
    // only the box of the text scrolls, never the page under the clerk's pointer
    var box = el.closest(".evidence-text");
    if (!box) { return; }
    var r = el.getBoundingClientRect(), b = box.getBoundingClientRect();
    if (r.top < b.top || r.bottom > b.bottom) { box.scrollTop += r.top - b.top - b.height / 3; }
  }

  function light(el, scroll) {
    clear();
    var fields = chain(el);
    if (!fields.length || fields.some(function (f) { return f.classList.contains("ev-stale"); })) { return; }
    mark(fields[0], "ev-active");
    var first = null;
    fields.forEach(function (field, depth) {
      pieces(field.getAttribute("data-ev-for")).forEach(function (piece) {
        if (piece.classList.contains("ev-on")) { return; }
        mark(piece, depth === 0 ? "ev-on" : "ev-near");
        first = first || piece;
      });
    });
    if (scroll && first) { scrollWithin(first); }
  }

  function refresh(scroll) { light(current, scroll); }

  function changed(field) {
    var inputs = field.matches("input, select, textarea") ? [field] : field.querySelectorAll("input, select, textarea");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.type === "checkbox" || input.type === "radio") {
        if (input.checked !== input.defaultChecked) { return true; }
      } else if (input.type !== "hidden" && input.type !== "submit" &&
                 input.value.trim() !== input.defaultValue.trim()) {
        return true;
      }
    }
    return false;
  }

  function edited(ev) {
    // the outermost keyed element is the whole field or line: any edit in it makes its evidence stale
    var fields = chain(ev.target);
    if (!fields.length) { return; }
    var field = fields[fields.length - 1];
    var stale = changed(field);
    field.classList.toggle("ev-stale", stale);
    var note = field.querySelector(".ev-stale-note");
    if (note) { note.hidden = !stale; }
    refresh(false);
  }

  var hovered = null;
  document.addEventListener("mouseover", function (ev) {
    var now = keyed(ev.target);
    if (now === hovered) { return; }
    hovered = now;
    current = hovered || focused;
    refresh(false);
  });
  document.addEventListener("mouseout", function (ev) {
    if (!ev.relatedTarget) { hovered = null; current = focused; refresh(false); }  // the pointer left the window
  });
  document.addEventListener("focusin", function (ev) { focused = current = ev.target; refresh(true); });
  document.addEventListener("focusout", function () {
    if (current === focused) { current = hovered; }
    focused = null;
    refresh(false);
  });
  document.addEventListener("input", edited);
  document.addEventListener("change", edited);
})();
