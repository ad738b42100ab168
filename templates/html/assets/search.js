// relpack site search: works from file:// with no server and no network.
// The index (assets/search-index.js) is a script, loaded on first use.
(function () {
  "use strict";
  var input = document.getElementById("search");
  var list = document.getElementById("search-results");
  if (!input || !list) return;
  // The pages' Content-Security-Policy allows no inline handler.
  if (input.form) input.form.addEventListener("submit", function (e) { e.preventDefault(); });
  var root = document.body.getAttribute("data-root") || "";
  var waiting = null; // callbacks to run once the index has loaded

  function load(then) {
    if (window.RELPACK_SEARCH) return then();
    if (waiting) { waiting.push(then); return; }
    waiting = [then];
    var s = document.createElement("script");
    s.src = root + "assets/search-index.js";
    s.onload = function () {
      var run = waiting;
      waiting = null;
      run.forEach(function (f) { f(); });
    };
    document.head.appendChild(s);
  }

  function matches(entry, terms) {
    var id = entry[0].toLowerCase();
    var words = " " + entry[3] + " ";
    for (var i = 0; i < terms.length; i++) {
      var t = terms[i];
      if (id.indexOf(t) === -1 && words.indexOf(" " + t) === -1) return false;
    }
    return true;
  }

  function show() {
    var q = input.value.trim().toLowerCase();
    list.textContent = "";
    if (!q) return;
    var terms = q.split(/[^\p{L}\p{N}_.-]+/u).filter(Boolean);
    if (!terms.length) return;
    var hits = [];
    var all = window.RELPACK_SEARCH || [];
    for (var i = 0; i < all.length && hits.length < 50; i++) {
      if (matches(all[i], terms)) hits.push(all[i]);
    }
    // Exact id first.
    hits.sort(function (a, b) { return (b[0].toLowerCase() === q) - (a[0].toLowerCase() === q); });
    if (!hits.length) {
      var li = document.createElement("li");
      li.textContent = "No item matches.";
      li.style.padding = ".35rem .6rem";
      list.appendChild(li);
      return;
    }
    hits.forEach(function (e) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = root + "items/" + e[4] + ".html";
      a.textContent = e[0] + " " + e[2];
      var k = document.createElement("span");
      k.className = "k";
      k.textContent = e[1];
      a.appendChild(k);
      li.appendChild(a);
      list.appendChild(li);
    });
  }

  input.addEventListener("input", function () { load(show); });
  input.addEventListener("focus", function () { load(function () {}); });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { input.value = ""; list.textContent = ""; }
    if (ev.key === "Enter") {
      var first = list.querySelector("a");
      if (first) window.location.href = first.href;
    }
  });
})();
