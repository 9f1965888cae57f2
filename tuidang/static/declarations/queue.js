// Moderator queue, progressively enhanced: j/k move between submissions, x selects the current
// one, and "Select all on this page" toggles without reloading. Without this file the page
// works the same (the link reloads the page with every box ticked).
(function () {
  "use strict";
  var form = document.getElementById("queue-form");
  if (!form) { return; }
  var items = Array.prototype.slice.call(form.querySelectorAll("article"));
  var current = -1;

  function boxes() { return form.querySelectorAll("input[name=submissions]"); }

  function go(index) {
    if (!items.length) { return; }
    index = Math.max(0, Math.min(items.length - 1, index));
    if (current >= 0) { items[current].classList.remove("current"); }
    current = index;
    items[current].classList.add("current");
    items[current].focus();
    items[current].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target.matches("textarea, select, input:not([type=checkbox])");
    if (typing || event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (event.key === "j") { go(current + 1); event.preventDefault(); }
    else if (event.key === "k") { go(current - 1); event.preventDefault(); }
    else if (event.key === "x" && current >= 0) {
      var box = items[current].querySelector("input[name=submissions]");
      if (box) { box.checked = !box.checked; }
      event.preventDefault();
    }
  });

  items.forEach(function (item, index) {
    item.addEventListener("focusin", function () {
      if (current >= 0 && current !== index) { items[current].classList.remove("current"); }
      current = index;
      item.classList.add("current");
    });
  });

  var all = document.getElementById("select-all");
  if (all) {
    var selectLabel = all.textContent;
    all.addEventListener("click", function (event) {
      event.preventDefault();
      var list = boxes();
      var every = Array.prototype.every.call(list, function (box) { return box.checked; });
      Array.prototype.forEach.call(list, function (box) { box.checked = !every; });
      all.textContent = every ? selectLabel : all.getAttribute("data-label-none");
    });
  }
}());
