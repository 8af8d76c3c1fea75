(function () {
  "use strict";
  var tools = document.getElementById("tools");
  if (!tools) { return; }
  tools.hidden = false;
  function setAll(selector, open) {
    var nodes = document.querySelectorAll(selector);
    for (var i = 0; i < nodes.length; i++) { nodes[i].open = open; }
  }
  function toggle(button, selector, onText, offText) {
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-pressed") !== "true";
      setAll(selector, open);
      button.setAttribute("aria-pressed", open ? "true" : "false");
      button.textContent = open ? offText : onText;
    });
  }
  var details = document.getElementById("toggle-details");
  var flagged = document.getElementById("toggle-flagged");
  if (details) { toggle(details, "details.fold", "Expand all details", "Collapse all details"); }
  if (flagged) {
    toggle(flagged, "details.cw", "Reveal all flagged examples", "Hide flagged examples");
  }
})();
