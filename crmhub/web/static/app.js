// crmhub steward workbench: keyboard shortcuts. No framework, no build.
//   j / k    move down / up a list (queue, search results, audit); on a pair page: next / previous pair
//   Enter    open the selected row
//   s d u    on a pair page: decide same / different / not sure (the comment field is sent along)
//   /        jump to the search box;  Esc  leave a text field
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function rows() {
    var list = document.querySelector("[data-nav-list]");
    return list ? Array.prototype.slice.call(list.querySelectorAll("tbody tr")) : [];
  }

  function select(index) {
    var all = rows();
    if (!all.length) return false;
    var current = all.findIndex(function (r) { return r.classList.contains("selected"); });
    var next = Math.max(0, Math.min(all.length - 1, current < 0 ? 0 : current + index));
    if (current >= 0) all[current].classList.remove("selected");
    all[next].classList.add("selected");
    all[next].focus({ preventScroll: true });
    all[next].scrollIntoView({ block: "nearest" });
    return true;
  }

  function openSelected() {
    var row = document.querySelector("[data-nav-list] tr.selected[data-href]");
    if (row) window.location.href = row.getAttribute("data-href");
    return !!row;
  }

  function follow(rel) {
    var link = document.querySelector('a[rel="' + rel + '"]');
    if (link) window.location.href = link.href;
    return !!link;
  }

  function decide(key) {
    var button = document.querySelector('#decision-form button[data-key="' + key + '"]');
    if (!button) return false;
    button.form.requestSubmit(button);
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    var done = false;
    switch (event.key) {
      case "j": done = select(1) || follow("next"); break;
      case "k": done = select(-1) || follow("prev"); break;
      case "Enter": done = openSelected(); break;
      case "s": case "d": case "u": done = decide(event.key); break;
      case "/":
        var box = document.getElementById("search-box");
        if (box) { box.focus(); box.select(); done = true; }
        break;
    }
    if (done) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("tr[data-href]");
    if (row && !event.target.closest("a, button, input, summary")) window.location.href = row.getAttribute("data-href");
  });
})();
