// Draws the overview's stacked time series from the JSON the page embeds.
(function () {
  var source = document.getElementById("series-data");
  var canvas = document.getElementById("series-chart");
  if (!source || !canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var numbers = new Intl.NumberFormat("en-US");
  new Chart(canvas, {
    type: "bar",
    data: data,
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: { stacked: true },
        y: { stacked: true, beginAtZero: true, ticks: { callback: function (v) { return numbers.format(v); } } }
      },
      plugins: {
        tooltip: { callbacks: { label: function (item) {
          return item.dataset.label + ": " + numbers.format(item.parsed.y);
        } } }
      }
    }
  });
})();
