// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Theme pickers: a filter box over the checkboxes and a live list of what is chosen.
  function initThemePicker(box) {
    var filter = box.querySelector("input.filter-input");
    var options = Array.prototype.slice.call(box.querySelectorAll(".option"));
    var chosen = box.querySelector(".chosen");
    var status = box.querySelector(".filter-status");
    if (filter) {
      filter.closest(".filter").hidden = false;
      filter.addEventListener("input", function () {
        var words = filter.value.toLowerCase().trim().split(/\s+/).filter(Boolean);
        var shown = 0;
        options.forEach(function (opt) {
          var text = opt.getAttribute("data-search") || opt.textContent.toLowerCase();
          var match = words.every(function (w) { return text.indexOf(w) !== -1; });
          opt.hidden = !match;
          if (match) { shown += 1; }
        });
        box.querySelectorAll(".theme-group").forEach(function (group) {
          group.hidden = !group.querySelector(".option:not([hidden])");
        });
        if (status) { status.textContent = shown + " of " + options.length + " themes shown"; }
      });
    }
    function update() {
      if (!chosen) { return; }
      var names = options.filter(function (o) { return o.querySelector("input").checked; })
        .map(function (o) { return o.querySelector(".label-text").textContent.trim(); });
      chosen.textContent = names.length ? "Chosen: " + names.join(", ") : "Nothing chosen yet.";
    }
    box.addEventListener("change", update);
    update();
  }

  // Cohort progress: poll the status endpoint and reload when the run has finished.
  function initPoll(el) {
    var url = el.getAttribute("data-poll");
    var bar = el.querySelector("progress");
    var text = el.querySelector(".poll-text");
    var refresh = document.querySelector('meta[http-equiv="refresh"]');
    if (refresh) { refresh.parentNode.removeChild(refresh); }
    function tick() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (bar && typeof data.progress === "number") { bar.value = data.progress; bar.textContent = Math.round(data.progress * 100) + "%"; }
          if (text && data.message) { text.textContent = data.message; }
          if (data.status === "done" || data.status === "failed") { window.location.reload(); return; }
          window.setTimeout(tick, 700);
        })
        .catch(function () { window.setTimeout(tick, 2000); });
    }
    window.setTimeout(tick, 400);
  }

  // Move a member: preview the new figures as soon as the form changes (before saving).
  function initMovePreview(form) {
    var out = document.getElementById(form.getAttribute("data-preview-target"));
    if (!out) { return; }
    var timer = null;
    function preview() {
      var data = new FormData(form);
      data.set("action", "preview");
      data.set("fragment", "1");
      if (!data.get("member") || !data.get("to_group")) { return; }
      out.setAttribute("aria-busy", "true");
      fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRF-Token": csrfToken(), Accept: "text/html" } })
        .then(function (r) { return r.text(); })
        .then(function (html) { out.innerHTML = html; out.removeAttribute("aria-busy"); })
        .catch(function () { out.removeAttribute("aria-busy"); });
    }
    form.addEventListener("change", function () { window.clearTimeout(timer); timer = window.setTimeout(preview, 150); });
  }

  // Long-running form posts (a repair re-optimises for up to its time limit): on submit the
  // button says what is happening and a progress bar runs, so the page does not look stuck.
  function initWorking(form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit], button:not([type])");
      if (button) { button.disabled = true; button.textContent = form.getAttribute("data-working"); }
      var status = document.createElement("p");
      status.className = "working";
      status.setAttribute("role", "status");
      status.innerHTML = '<progress aria-label="Working"></progress> ' + (form.getAttribute("data-working-detail") || "");
      form.appendChild(status);
      form.setAttribute("aria-busy", "true");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-working]").forEach(initWorking);
    document.querySelectorAll(".theme-picker").forEach(initThemePicker);
    document.querySelectorAll("[data-poll]").forEach(initPoll);
    document.querySelectorAll("form[data-preview-target]").forEach(initMovePreview);
  });
})();
