// The cohort result page: find a teacher's group as you type, collapse or expand every card.
// Without JavaScript the search box submits (?q=...) and the server filters; cards are <details>.
(function () {
  "use strict";
  function ready() {
    var box = document.querySelector("input[data-find-groups]");
    var list = box && document.getElementById(box.getAttribute("data-find-groups"));
    if (box && list) {
      var cards = Array.prototype.slice.call(list.querySelectorAll("article.group"));
      box.addEventListener("input", function () {
        var needle = box.value.toLowerCase().trim();
        cards.forEach(function (card) {
          card.hidden = needle !== "" && (card.getAttribute("data-search") || "").indexOf(needle) === -1;
        });
      });
    }
    Array.prototype.forEach.call(document.querySelectorAll("button[data-cards]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var open = button.getAttribute("data-cards") === "expand";
        Array.prototype.forEach.call(document.querySelectorAll("article.group > details"), function (d) { d.open = open; });
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
