// Draws the overview's charts from the figures the server put in #figures (no inline
// script, so the page's Content-Security-Policy can forbid them). Chart.js is vendored
// into static/vendor/ by `make console-assets` from the npm package.
(function () {
  "use strict";
  const figures = JSON.parse(document.getElementById("figures").textContent);
  const palette = ["#0b4f8a", "#d1495b", "#2e8540", "#edae49", "#6a4c93", "#00798c", "#8c564b"];
  const levelColours = { self_care: "#2e8540", see_doctor: "#edae49", urgent: "#e07a1f", emergency: "#a4161a", unset: "#9aa0a6" };
  const common = { responsive: true, maintainAspectRatio: false, animation: false };

  function chart(id, config) {
    return new Chart(document.getElementById(id), config);
  }

  chart("chart-per-day", {
    type: "bar",
    data: {
      labels: figures.days,
      datasets: Object.entries(figures.per_day_by_channel).map(([channel, counts], i) => ({
        label: channel, data: counts, backgroundColor: palette[i % palette.length],
      })),
    },
    options: { ...common, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
  });

  const levelNames = Object.keys(figures.levels);
  chart("chart-levels", {
    type: "doughnut",
    data: {
      labels: levelNames,
      datasets: [{ label: "Conversations", data: levelNames.map((l) => figures.levels[l]), backgroundColor: levelNames.map((l) => levelColours[l]) }],
    },
    options: common,
  });

  chart("chart-flags", {
    type: "bar",
    data: {
      labels: Object.keys(figures.red_flags),
      datasets: [{ label: "Conversations", data: Object.values(figures.red_flags), backgroundColor: "#d1495b" }],
    },
    options: { ...common, indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
  });

  chart("chart-funnel", {
    type: "bar",
    data: {
      labels: Object.keys(figures.funnel),
      datasets: [{ label: "Conversations", data: Object.values(figures.funnel), backgroundColor: ["#0b4f8a", "#00798c", "#2e8540", "#a4161a", "#9aa0a6"] }],
    },
    options: { ...common, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });

  chart("chart-fallback", {
    type: "line",
    data: {
      labels: figures.days,
      datasets: [{ label: "% of messages not understood", data: figures.fallback_rate_per_day, borderColor: "#6a4c93", backgroundColor: "#6a4c93", spanGaps: true }],
    },
    options: { ...common, scales: { y: { beginAtZero: true, suggestedMax: 20 } } },
  });
})();
