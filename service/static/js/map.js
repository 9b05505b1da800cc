// The cohort map: highlight one group at a time (its members, spokes and label), dim the rest.
// Progressive enhancement: without this file the map shows every school and no spokes.
(function () {
  "use strict";

  function initMap(svg, index) {
    var groups = Array.prototype.slice.call(svg.querySelectorAll("g.map-group"));
    if (!groups.length) { return; }
    var chosen = null;

    var controls = document.createElement("div");
    controls.className = "map-controls";
    var label = document.createElement("label");
    var select = document.createElement("select");
    select.id = "map-select-" + index;
    select.className = "map-select";
    label.setAttribute("for", select.id);
    label.textContent = "Highlight a group";
    var none = document.createElement("option");
    none.value = "";
    none.textContent = "None (all groups, no lines)";
    select.appendChild(none);
    groups.forEach(function (g) {
      var opt = document.createElement("option");
      opt.value = g.getAttribute("data-group");
      opt.textContent = "Group " + opt.value + " (" + g.getAttribute("data-size") + " members)";
      select.appendChild(opt);
    });
    var status = document.createElement("span");
    status.className = "map-status";
    status.setAttribute("aria-live", "polite");
    controls.appendChild(label);
    controls.appendChild(select);
    controls.appendChild(status);
    svg.parentNode.insertBefore(controls, svg);

    function show(g) {
      groups.forEach(function (x) { x.classList.toggle("is-active", x === g); });
      svg.classList.toggle("has-active", !!g);
    }
    function choose(g) {
      chosen = g;
      select.value = g ? g.getAttribute("data-group") : "";
      status.textContent = g ? g.getAttribute("aria-label") : "";
      show(g);
    }
    function makeTabStop(g) {
      groups.forEach(function (x) { x.setAttribute("tabindex", x === g ? "0" : "-1"); });
    }

    // One tab stop for all the groups (roving tabindex): arrow keys move between them.
    groups.forEach(function (g, i) {
      g.setAttribute("tabindex", i === 0 ? "0" : "-1");
      g.setAttribute("role", "button");
      g.addEventListener("mouseenter", function () { show(g); });
      g.addEventListener("mouseleave", function () { show(chosen); });
      g.addEventListener("click", function () { choose(g); });
      g.addEventListener("focus", function () { makeTabStop(g); choose(g); });
      g.addEventListener("keydown", function (e) {
        var step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
        if (step) {
          e.preventDefault();
          groups[(i + step + groups.length) % groups.length].focus();
        } else if (e.key === "Escape") {
          choose(null);
        }
      });
    });
    // A click on the map away from every group's schools clears the highlight.
    svg.addEventListener("click", function (e) {
      if (!e.target.closest || !e.target.closest("g.map-group")) { choose(null); }
    });
    select.addEventListener("change", function () {
      choose(groups.filter(function (g) { return g.getAttribute("data-group") === select.value; })[0] || null);
    });
  }

  Array.prototype.slice.call(document.querySelectorAll("svg.js-map")).forEach(initMap);
})();
