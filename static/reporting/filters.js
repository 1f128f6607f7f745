// Keeps the filter form's range and dates in step: a preset fills in From and To straight away,
// and editing a date turns the range into Custom. "Today" comes from the server (UTC), not from
// the browser's clock, so the dates match what the page will show.
(function () {
  var form = document.getElementById("filters");
  if (!form) { return; }
  var range = form.querySelector("select[name=range]");
  var from = form.querySelector("input[name=from]");
  var to = form.querySelector("input[name=to]");
  var today = form.dataset.today;
  if (!range || !from || !to || !today) { return; }

  function isoDaysBefore(isoDay, days) {
    var moment = new Date(isoDay + "T00:00:00Z");
    moment.setUTCDate(moment.getUTCDate() - days);
    return moment.toISOString().slice(0, 10);
  }

  range.addEventListener("change", function () {
    var days = range.options[range.selectedIndex].dataset.days;
    if (days === undefined || days === "") { return; }
    from.value = isoDaysBefore(today, Number(days));
    to.value = today;
  });
  [from, to].forEach(function (input) {
    input.addEventListener("change", function () { range.value = "custom"; });
  });
})();
