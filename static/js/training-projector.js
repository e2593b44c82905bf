// The venue's projected check-in code: fetch a fresh code every period (the token rotates server-side).
(function () {
  document.addEventListener("DOMContentLoaded", function () {
    var img = document.getElementById("qr");
    if (!img) return;
    var link = document.getElementById("checkin-url");
    var period = parseInt(img.dataset.period, 10) || 30;
    setInterval(function () {
      fetch(img.dataset.refresh, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) { if (d) { img.src = d.qr; link.href = d.url; link.textContent = d.url; } });
    }, Math.max(5, period / 2) * 1000);
  });
})();
