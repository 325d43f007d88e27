// The page's words for its scripts (base.html's #i18n data-words, in the clerk's language), "{name}" blanks
// filled in: loaded in the head, before every other script, which call partdeskWord(key, values).
window.partdeskWord = function (key, values) {
  var el = document.getElementById("i18n");
  var words = el ? JSON.parse(el.getAttribute("data-words") || "{}") : {};
  var text = words[key] || key;
  Object.keys(values || {}).forEach(function (k) { text = text.split("{" + k + "}").join(String(values[k])); });
  return text;
};
