/* The catalogue's sorting and filters: a progressive enhancement of the
   plain HTML table (bookkit.extensions.catalogue). Without this script the
   table shows every model in order of release. No library; keyboard and
   screen reader friendly: headers become buttons, aria-sort tells the
   order, a live region tells how many rows are shown. */
(function () {
  "use strict";
  var root = document.querySelector("[data-catalogue]");
  if (!root) return;
  var table = root.querySelector("table");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var form = root.querySelector("[data-catalogue-filters]");
  var count = root.querySelector("[data-catalogue-count]");
  var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-filter]"));
  var text = form.querySelector("[data-filter-text]");
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);

  function key(row, index, kind) {
    var cell = row.cells[index];
    var value = cell.getAttribute("data-sort");
    if (value === null) value = cell.textContent.trim().toLowerCase();
    return kind === "number" ? parseFloat(value) : value;
  }

  function sortBy(index) {
    var th = headers[index];
    var kind = th.getAttribute("data-sort-type");
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var sorted = rows.slice().sort(function (a, b) {
      var x = key(a, index, kind), y = key(b, index, kind);
      var order = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? order : -order;
    });
    sorted.forEach(function (row) { body.appendChild(row); });
  }

  headers.forEach(function (th, index) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "catalogue-sort";
    button.textContent = th.textContent;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", function () { sortBy(index); });
  });

  function apply() {
    var wanted = selects.map(function (s) { return [s.getAttribute("data-filter"), s.value]; });
    var needle = text.value.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (row) {
      var keep = wanted.every(function (w) { return !w[1] || row.getAttribute("data-" + w[0]) === w[1]; });
      if (keep && needle) keep = row.cells[0].textContent.toLowerCase().indexOf(needle) !== -1;
      row.hidden = !keep;
      if (keep) shown += 1;
    });
    count.textContent = shown === rows.length
      ? rows.length + " models."
      : shown + " of " + rows.length + " models match the filters.";
  }

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  form.hidden = false;
}());
