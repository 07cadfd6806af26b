/* Draws the pages' charts from JSON embedded in the page. The tables beside each chart carry the
   same figures, so nothing depends on this script; suppressed groups are gaps, never numbers. */
(function () {
  "use strict";
  var DAY_MS = 86400000;
  var live = [];

  function source(canvas) {
    var el = document.getElementById(canvas.dataset.source);
    var all = el ? JSON.parse(el.textContent) : {};
    return canvas.dataset.key ? all[canvas.dataset.key] : all;
  }
  function dayNumber(iso) { return Date.parse(iso + "T00:00:00Z") / DAY_MS; }
  function isoDay(n) { return new Date(Math.round(n) * DAY_MS).toISOString().slice(0, 10); }
  // The page's words for the charts, in its language: "{name}" and the like filled in here.
  function words(d, key, fallback, values) {
    var text = (d.words && d.words[key]) || fallback;
    Object.keys(values || {}).forEach(function (k) { text = text.split("{" + k + "}").join(values[k]); });
    return text;
  }

  function scoreChart(canvas, d) {
    var points = d.points.map(function (p) { return { x: dayNumber(p.on), y: p.score, band: p.band }; });
    var first = points.length ? points[0].x : 0;
    var last = points.length ? points[points.length - 1].x : 1;
    var bands = d.bands.filter(function (b) { return b.min > 0; }).map(function (b) {
      return {
        label: words(d, "band_from", "Band {name} from {min}", { name: b.name, min: b.min }),
        data: [{ x: first, y: b.min }, { x: last, y: b.min }],
        borderColor: "#6b6b6b", borderDash: [6, 4], borderWidth: 1, pointRadius: 0,
      };
    });
    return {
      type: "line",
      data: {
        datasets: [{
          label: words(d, "score", "Score"), data: points, stepped: "before", borderColor: "#0a4fa6",
          backgroundColor: "#0a4fa6", borderWidth: 3, pointRadius: 2,
        }].concat(bands),
      },
      options: {
        scales: {
          x: { type: "linear", min: first, max: last, ticks: { callback: isoDay, maxTicksLimit: 8 } },
          y: { suggestedMin: 600, suggestedMax: 1000, title: { display: true, text: words(d, "score", "Score") } },
        },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: {
            title: function (items) { return isoDay(items[0].parsed.x); },
            label: function (item) {
              var p = item.raw;
              return p.band
                ? words(d, "score_band", "Score {score}, band {band}", { score: p.y, band: p.band })
                : item.dataset.label;
            },
          } },
        },
      },
    };
  }

  // Writes "<10" where a suppressed group's bar would be, so a gap never reads as zero.
  var suppressedLabels = {
    id: "suppressedLabels",
    afterDatasetsDraw: function (chart, args, options) {
      var shown = options.shown || [];
      var ctx = chart.ctx;
      ctx.save();
      ctx.fillStyle = "#4a4a4a";
      ctx.font = "italic 12px " + window.Chart.defaults.font.family;
      ctx.textBaseline = "middle";
      chart.data.datasets[0].data.forEach(function (value, i) {
        if (value !== null) { return; }
        var y = chart.scales.y.getPixelForValue(i);
        ctx.fillText(shown[i] || "", chart.scales.x.getPixelForValue(0) + 6, y);
      });
      ctx.restore();
    },
  };

  function barsChart(canvas, d) {
    // One bar needs about 2.25rem; the box grows with the groups instead of stretching them.
    canvas.parentNode.style.height = (3.5 + 2.25 * Math.max(d.labels.length, 2)) + "rem";
    return {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: [{ label: words(d, "count", "Count"), data: d.values, backgroundColor: "#0a4fa6" }],
      },
      options: {
        indexAxis: "y",
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (item) { return d.shown[item.dataIndex]; } } },
          suppressedLabels: { shown: d.shown },
        },
      },
      plugins: [suppressedLabels],
    };
  }

  function daysChart(canvas, d) {
    return {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: [
          { label: words(d, "started", "Took effect"), data: d.started, backgroundColor: "#0a4fa6" },
          { label: words(d, "ended", "Ended"), data: d.ended, backgroundColor: "#1e6b34" },
        ],
      },
      options: {
        scales: { x: { ticks: { maxTicksLimit: 10 } }, y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } },
      },
    };
  }

  var KINDS = { score: scoreChart, bars: barsChart, days: daysChart };

  function draw(root) {
    if (!window.Chart) { return; }
    live = live.filter(function (c) {
      if (c.canvas && c.canvas.isConnected) { return true; }
      c.destroy();
      return false;
    });
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (window.Chart.getChart(canvas)) { return; }
      var config = KINDS[canvas.dataset.chart](canvas, source(canvas));
      config.options.maintainAspectRatio = false;
      config.options.animation = false;
      live.push(new window.Chart(canvas, config));
    });
  }

  if (window.Chart) {
    window.Chart.defaults.color = "#1b1b1b";
    window.Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans CJK SC', sans-serif";
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function () { draw(document); });
})();
