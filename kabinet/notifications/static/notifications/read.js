// Opening a notification marks it read: the <details> posts its form in the background. Without
// JavaScript the form's own button does the same.
(function () {
  "use strict";
  function markRead(details) {
    var form = details.querySelector("form.notification-read");
    if (!form || details.dataset.read === "1") {
      return;
    }
    details.dataset.read = "1";
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    }).then(function (response) {
      if (!response.ok) {
        details.dataset.read = "";
        return;
      }
      details.classList.remove("border-primary");
      var mark = details.querySelector(".notification-unread");
      if (mark) {
        mark.remove();
      }
      form.remove();
      document.querySelectorAll("[data-unread-count]").forEach(function (badge) {
        var left = Math.max(parseInt(badge.dataset.unreadCount, 10) - 1, 0);
        badge.dataset.unreadCount = String(left);
        var number = badge.querySelector(".unread-number");
        if (number) {
          number.textContent = String(left);
        }
        if (left === 0) {
          badge.hidden = true;
        }
      });
    });
  }
  document.querySelectorAll("details.notification").forEach(function (details) {
    details.addEventListener("toggle", function () {
      if (details.open) {
        markRead(details);
      }
    });
  });
})();
