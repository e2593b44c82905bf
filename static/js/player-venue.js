/* Venue mode (live/venue.html): the venue's rotating check-in code from training's projector page, and
 * full screen for the projector (the whole layout, so the code and the watermark stay on screen). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var img = document.getElementById("venue-qr");
    if (img) {
      var period = parseInt(img.dataset.period, 10) || 30;
      var refresh = function () {
        fetch(img.dataset.refresh, { credentials: "same-origin", headers: { "X-Peixun-Background": "1" } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (d) { if (d) { img.src = d.qr; img.dataset.url = d.url; } })
          .catch(function () { /* the next round tries again */ });
      };
      refresh();
      setInterval(refresh, Math.max(5, period / 2) * 1000);
    }
    var layout = document.getElementById("venue-mode");
    var button = document.getElementById("venue-fullscreen");
    if (layout && button) {
      button.addEventListener("click", function () {
        if (document.fullscreenElement) document.exitFullscreen();
        else if (layout.requestFullscreen) layout.requestFullscreen();
      });
    }
  });
})();
