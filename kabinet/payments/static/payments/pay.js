// The pay page: the total follows the amounts typed in, and the pay button sends once.
// A static file, not an inline script: the Content-Security-Policy runs no inline code.
(function () {
  var form = document.getElementById("pay-form");
  if (!form) return;
  var total = document.getElementById("pay-total");
  function parse(text) {
    var t = text.replace(/[\s\u00a0₽]/g, "").replace(",", ".");
    return /^\d+(\.\d{1,2})?$/.test(t) ? Math.round(parseFloat(t) * 100) : 0;
  }
  function update() {
    var kopecks = 0;
    form.querySelectorAll(".js-amount").forEach(function (input) { kopecks += parse(input.value); });
    total.textContent = (kopecks / 100).toLocaleString("ru-RU", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  }
  form.addEventListener("input", update);
  // A deferred file may run after the customer (or the browser restoring the form) already
  // changed an amount: count what the fields hold now.
  update();
  // A second click while the bank page opens would only resubmit the same key; still, say so.
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.value === "pay") {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
    }
  });
})();
