/* The analytics dashboards: each canvas[data-chart] names a JSON block (Django's
   json_script) holding its chart as analytics.presenters built it; this file draws it with
   the vendored Chart.js (global `Chart`). Also the charts' Table toggles and the pickers,
   which apply on change. No inline code: the pages load this file only. */
(function () {
  "use strict";

  if (typeof Chart === "undefined") return;

  var root = document.documentElement;
  var lang = root.lang || "en";
  var css = window.getComputedStyle(root);
  // Tabler's palette, read from its CSS variables (these are its defaults).
  var PALETTE = {
    blue: "#066fd1", azure: "#4299e1", green: "#2fb344", red: "#d63939", orange: "#f76707",
    yellow: "#f59f00", purple: "#ae3ec9", teal: "#0ca678", primary: "#0f766e",
    secondary: "#6b7280"
  };
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function colour(name) {
    var value = css.getPropertyValue("--tblr-" + name).trim();
    return /^#[0-9a-f]{6}$/i.test(value) ? value : (PALETTE[name] || PALETTE.blue);
  }

  function translucent(hex, alpha) {
    var m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
    if (!m) return hex;
    return "rgba(" + parseInt(m[1], 16) + ", " + parseInt(m[2], 16) + ", " + parseInt(m[3], 16) + ", " + alpha + ")";
  }

  // A value as the page writes it: the unit's decimals, the language's separators, the
  // currency or the suffix ("%", " h").
  function formatter(format, compact) {
    var decimals = format.decimals || 0;
    var options = { minimumFractionDigits: compact ? 0 : decimals, maximumFractionDigits: decimals };
    if (format.currency) {
      options.style = "currency";
      options.currency = format.currency;
      if (compact) options.maximumFractionDigits = 0;
    }
    var numbers = new Intl.NumberFormat(lang, options);
    return function (value) {
      if (value === null || value === undefined || isNaN(value)) return format.none || "n/a";
      return numbers.format(value) + (format.suffix || "");
    };
  }

  function dataset(spec, set, index) {
    var hue = colour(set.color);
    var base = { label: set.label, data: set.data, kind: set.kind, notes: set.notes, order: index };
    if (set.kind === "bar") {
      // `colors`: one palette name per bar (a distribution shaded from risky to safe).
      var fill = set.colors ? set.colors.map(colour) : hue;
      return Object.assign(base, {
        type: "bar", backgroundColor: fill, borderColor: fill, borderRadius: 3, maxBarThickness: 42
      });
    }
    if (set.kind === "goal") {
      return Object.assign(base, {
        type: "line", borderColor: hue, backgroundColor: hue, borderDash: [6, 4], borderWidth: 1.5,
        pointRadius: 0, pointHoverRadius: 0, fill: false, order: 99
      });
    }
    if (set.kind === "low" || set.kind === "high") {
      return Object.assign(base, {
        type: "line", borderWidth: 0, borderColor: "transparent", pointRadius: 0, pointHoverRadius: 0,
        backgroundColor: translucent(hue, 0.16), fill: set.kind === "high" ? "-1" : false,
        tension: 0.25, order: 100
      });
    }
    return Object.assign(base, {
      type: "line", borderColor: hue, backgroundColor: spec.spark ? translucent(hue, 0.12) : hue,
      borderWidth: 2, tension: 0.25, spanGaps: false,
      pointRadius: spec.spark ? 0 : (set.data.length > 40 ? 0 : 2.5), pointHoverRadius: 4,
      fill: spec.spark ? "start" : false
    });
  }

  function config(spec) {
    var format = spec.format || {};
    var write = formatter(format, false);
    var tick = formatter(format, true);
    var horizontal = !!spec.horizontal;
    var valueAxis = {
      beginAtZero: !!spec.beginAtZero, stacked: !!spec.stacked,
      ticks: { callback: function (value) { return tick(value); }, maxTicksLimit: 6 },
      grid: { color: translucent(PALETTE.secondary, 0.12) }
    };
    if (spec.max !== undefined) valueAxis.max = spec.max;
    if (spec.suggestedMax !== undefined) valueAxis.suggestedMax = spec.suggestedMax;
    if (spec.stepSize) valueAxis.ticks.stepSize = spec.stepSize;
    var indexAxis = {
      stacked: !!spec.stacked, grid: { display: false },
      ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 12 }
    };
    if (spec.xTitle) indexAxis.title = { display: true, text: spec.xTitle };
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: reduceMotion ? false : { duration: 400 },
      indexAxis: horizontal ? "y" : "x",
      interaction: { mode: horizontal ? "nearest" : "index", intersect: horizontal },
      scales: horizontal ? { x: valueAxis, y: indexAxis } : { x: indexAxis, y: valueAxis },
      plugins: {
        legend: {
          display: !spec.spark && !spec.noLegend,
          position: "bottom",
          labels: {
            usePointStyle: true, boxWidth: 8, boxHeight: 8,
            filter: function (item, data) { return data.datasets[item.datasetIndex].kind !== "low"; }
          }
        },
        tooltip: {
          filter: function (item) { return item.dataset.kind !== "low" && item.dataset.kind !== "high"; },
          callbacks: {
            label: function (context) {
              var value = horizontal ? context.parsed.x : context.parsed.y;
              var text = context.dataset.label + ": " + write(value);
              var notes = context.dataset.notes;
              if (notes && notes[context.dataIndex]) text += " (" + notes[context.dataIndex] + ")";
              return text;
            }
          }
        }
      }
    };
    if (spec.spark) {
      options.scales = { x: { display: false }, y: { display: false } };
      options.layout = { padding: 2 };
    }
    return {
      type: spec.type === "bar" ? "bar" : "line",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (set, index) { return dataset(spec, set, index); })
      },
      options: options
    };
  }

  function draw() {
    Chart.defaults.font.family = css.getPropertyValue("--tblr-font-sans-serif").trim() || Chart.defaults.font.family;
    Chart.defaults.color = colour("secondary");
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source || Chart.getChart(canvas)) return;
      try {
        new Chart(canvas, config(JSON.parse(source.textContent)));
      } catch (error) {
        // One bad chart must not stop the others; its table still has the numbers.
        if (window.console) window.console.error("analytics chart", canvas.getAttribute("data-chart"), error);
      }
    });
  }

  // "Table" swaps a chart for the same numbers in a table, and back.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-table-toggle]");
    if (!button) return;
    var table = document.getElementById(button.getAttribute("data-table-toggle"));
    if (!table) return;
    var showTable = table.hidden;
    table.hidden = !showTable;
    var box = table.parentElement.querySelector("[data-chart-box]");
    if (box) box.hidden = showTable;
    button.setAttribute("aria-pressed", showTable ? "true" : "false");
    button.classList.toggle("active", showTable);
  });

  // The pickers apply as soon as one changes (the button stays for keyboards without JS).
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (!form || !form.hasAttribute("data-autosubmit")) return;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  });

  // While a recompute runs its button stays disabled (the page drew it before the click).
  document.addEventListener("htmx:afterSwap", function () {
    var status = document.getElementById("recompute-status");
    var running = !!(status && status.hasAttribute("hx-get"));
    document.querySelectorAll("form[data-recompute] button[type=submit]").forEach(function (button) {
      button.disabled = running;
    });
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
