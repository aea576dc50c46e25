// The statistics page's charts, drawn by Chart.js from the tables beside them: each
// <table data-chart="..."> gives its row headers as labels and one dataset per column marked
// <th data-series>, read from the cells' data-value. The tables stay the page's content (for
// screen readers, without JavaScript, for the CSV); the charts only draw them.
(function () {
  "use strict";

  function cssColor(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function readTable(table) {
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var series = [];
    headers.forEach(function (cell, index) {
      if (cell.hasAttribute("data-series")) series.push({ index: index, label: cell.textContent.trim() });
    });
    var body = table.tBodies[0];
    var rows = body ? Array.prototype.slice.call(body.rows) : [];
    var labels = rows.map(function (row) {
      return row.cells[0].textContent.trim();
    });
    var datasets = series.map(function (column) {
      return {
        label: column.label,
        data: rows.map(function (row) {
          var raw = row.cells[column.index].getAttribute("data-value");
          return raw === null || raw === "" ? null : Number(raw);
        }),
      };
    });
    return { labels: labels, datasets: datasets };
  }

  function chartOptions(kind, locale) {
    var horizontal = kind === "bars";
    var stacked = kind === "stacked";
    var grid = cssColor("--chart-grid", "#e4e8ee");
    var valueAxis = { beginAtZero: true, stacked: stacked, grid: { color: grid }, ticks: { precision: 0 } };
    var labelAxis = {
      stacked: stacked,
      grid: { display: false },
      ticks: horizontal
        ? {
            autoSkip: false,
            // A long name would squeeze the bars on a phone: the table has it in full.
            callback: function (value) {
              var text = String(this.getLabelForValue(value));
              return text.length > 18 ? text.slice(0, 17) + "…" : text;
            },
          }
        : { autoSkip: true, maxRotation: 0 },
    };
    return {
      indexAxis: horizontal ? "y" : "x",
      locale: locale,
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { display: !horizontal, position: "bottom" },
        tooltip: { enabled: true },
      },
      scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
    };
  }

  function draw(table) {
    var holder = document.querySelector('[data-chart-for="' + table.id + '"]');
    if (!holder || typeof window.Chart !== "function") return;
    var data = readTable(table);
    if (!data.labels.length) return;
    var colors = ["--chart-1", "--chart-2", "--chart-3", "--chart-4"].map(function (name, index) {
      return cssColor(name, ["#1f5fbf", "#d97706", "#1d7a46", "#9d3fb8"][index]);
    });
    data.datasets.forEach(function (dataset, index) {
      dataset.backgroundColor = colors[index % colors.length];
      dataset.borderWidth = 0;
      dataset.maxBarThickness = 36;
    });
    var canvas = document.createElement("canvas");
    // The table beside it says the same numbers, readable by everyone: the picture is extra.
    canvas.setAttribute("aria-hidden", "true");
    holder.appendChild(canvas);
    holder.hidden = false;
    new window.Chart(canvas, {
      type: "bar",
      data: data,
      options: chartOptions(table.getAttribute("data-chart"), document.documentElement.lang || "fr"),
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table[data-chart]").forEach(draw);
  });
})();
