(function () {
  "use strict";
  var groups = Array.prototype.slice.call(document.querySelectorAll("details.group"));
  var filter = document.getElementById("filter");
  var shown = document.getElementById("shown");
  function update() {
    if (!filter) { return; }
    var q = filter.value.toLowerCase();
    var n = 0, g = 0;
    groups.forEach(function (d) {
      var hit = q === "" || d.textContent.toLowerCase().indexOf(q) >= 0;
      d.style.display = hit ? "" : "none";
      if (hit) { n += parseInt(d.getAttribute("data-count"), 10) || 0; g++; }
    });
    if (shown) { shown.textContent = g + " groups, " + n + " goroutines shown"; }
  }
  if (filter) { filter.addEventListener("input", update); update(); }
  function all(open) { groups.forEach(function (d) { d.open = open; }); }
  var ex = document.getElementById("expand"), co = document.getElementById("collapse");
  if (ex) { ex.addEventListener("click", function () { all(true); }); }
  if (co) { co.addEventListener("click", function () { all(false); }); }

  // Icicle zoom: clicking a frame shows only its path and its subtree.
  var ice = document.querySelector(".ice");
  if (!ice) { return; }
  function reset() {
    Array.prototype.forEach.call(ice.querySelectorAll(".node, .rest"), function (n) { n.style.display = ""; });
  }
  ice.addEventListener("click", function (ev) {
    var bar = ev.target.closest(".bar");
    if (!bar) { return; }
    var node = bar.parentNode;
    reset();
    if (node.parentNode === ice) { return; }
    for (var n = node; n && n !== ice; n = n.parentNode.parentNode) {
      var kids = n.parentNode;
      Array.prototype.forEach.call(kids.children, function (sib) {
        if (sib !== n) { sib.style.display = "none"; }
      });
    }
  });
})();
