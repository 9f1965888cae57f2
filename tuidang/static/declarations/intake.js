// Volunteer intake, progressively enhanced: Ctrl+Enter saves from any field, and "Add person"
// adds a row in the page instead of a round trip. Without this file the page works the same
// (the button asks the server for one more row); nothing here is needed to save.
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) { return; }
  var save = form.querySelector("button[name=save]:not(.default-submit)");
  var add = form.querySelector("button[name=add]");
  var template = document.getElementById("empty-person");
  var rows = document.getElementById("people");
  var total = form.querySelector("input[name$=-TOTAL_FORMS]");
  var max = form.querySelector("input[name$=-MAX_NUM_FORMS]");

  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (form.requestSubmit) { form.requestSubmit(save); } else { save.click(); }
    }
  });

  if (!add || !template || !rows || !total || !max) { return; }
  add.addEventListener("click", function (event) {
    var count = parseInt(total.value, 10);
    // At the limit the server's answer explains why no row was added.
    if (count >= parseInt(max.value, 10)) { return; }
    event.preventDefault();
    rows.insertAdjacentHTML("beforeend", template.innerHTML
      .replace(/__prefix__/g, String(count))
      .replace(/__number__/g, String(count + 1)));
    total.value = String(count + 1);
    var name = rows.lastElementChild && rows.lastElementChild.querySelector("input[type=text], input:not([type])");
    if (name) { name.focus(); }
  });
}());

// The "log this call" box only means something for telephone declarations.
(function () {
  "use strict";
  var channel = document.getElementById("id_channel");
  var logCall = document.getElementById("id_log_call");
  if (!channel || !logCall) { return; }
  function sync() { logCall.disabled = channel.value !== "phone"; }
  channel.addEventListener("change", sync);
  sync();
}());
