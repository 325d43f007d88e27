/* The queue refreshes itself every 30 seconds while nobody is typing in the filter form. */
(function () {
  "use strict";
  var PERIOD = 30000;
  function busy() {
    var el = document.activeElement;
    return el && (el.tagName === "INPUT" || el.tagName === "SELECT" || el.tagName === "TEXTAREA");
  }
  setInterval(function () {
    if (document.visibilityState === "visible" && !busy()) { window.location.reload(); }
  }, PERIOD);
})();
