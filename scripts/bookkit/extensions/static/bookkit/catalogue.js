/* The catalogue's sorting and filters: a progressive enhancement of the
   plain HTML table (bookkit.extensions.catalogue). Without this script the
   table shows every model in order of release and no controls. No library;
   keyboard and screen reader friendly: labelled filters, headers become
   buttons, aria-sort tells the order, a live region tells the row count. */
(function () {
  "use strict";
  // [data-* key on each row, label, column whose sort key orders the choices (-1: by name)]
  var FILTERS = [["organisation", "Organisation", -1], ["year", "Year", 2], ["modality", "Modality", -1],
                 ["licence", "Licence class", -1], ["size", "Size", 4], ["context", "Context", 5]];
  var root = document.querySelector("[data-catalogue]");
  if (!root) return;
  var table = root.querySelector("table");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var count = root.querySelector("[data-catalogue-count]");
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);

  function key(row, index, kind) {
    var cell = row.cells[index];
    var value = cell.getAttribute("data-sort");
    if (value === null) value = cell.textContent.trim().toLowerCase();
    return kind === "number" ? parseFloat(value) : value;
  }

  function make(tag, props) {
    var el = document.createElement(tag);
    Object.keys(props).forEach(function (name) { el[name] = props[name]; });
    return el;
  }

  // The choices of one filter with their row counts, in the column's order
  // (unknown values, sort key -1, last) or by name.
  function choices(name, column) {
    var counts = {}, order = {};
    rows.forEach(function (row) {
      var value = row.getAttribute("data-" + name);
      counts[value] = (counts[value] || 0) + 1;
      if (column >= 0) {
        var k = key(row, column, headers[column].getAttribute("data-sort-type"));
        if (typeof k === "number" && k < 0) k = Infinity;
        if (!(value in order) || k < order[value]) order[value] = k;
      }
    });
    return Object.keys(counts).sort(function (a, b) {
      if (column >= 0 && order[a] !== order[b]) return order[a] < order[b] ? -1 : 1;
      return a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0;
    }).map(function (value) { return [value, counts[value]]; });
  }

  function field(id, label, control) {
    var wrap = make("div", {className: "catalogue-filter"});
    wrap.appendChild(make("label", {htmlFor: id, textContent: label}));
    control.id = id;
    wrap.appendChild(control);
    return wrap;
  }

  var form = make("form", {className: "catalogue-filters"});
  form.setAttribute("aria-label", "Filter the models");
  var text = make("input", {type: "search", autocomplete: "off"});
  form.appendChild(field("catalogue-q", "Name contains", text));
  var selects = FILTERS.map(function (spec) {
    var select = make("select", {});
    select.setAttribute("data-filter", spec[0]);
    select.appendChild(make("option", {value: "", textContent: "all"}));
    choices(spec[0], spec[2]).forEach(function (choice) {
      select.appendChild(make("option", {value: choice[0], textContent: choice[0] + " (" + choice[1] + ")"}));
    });
    form.appendChild(field("catalogue-" + spec[0], spec[1], select));
    return select;
  });
  var reset = make("div", {className: "catalogue-filter"});
  reset.appendChild(make("button", {type: "reset", className: "catalogue-reset", textContent: "Show all"}));
  form.appendChild(reset);
  root.querySelector(".catalogue-controls").appendChild(form);

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
    var button = make("button", {type: "button", className: "catalogue-sort", textContent: th.textContent});
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
}());
