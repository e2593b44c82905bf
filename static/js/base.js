/* Every page. htmx polls (hx-trigger="every …") announce themselves as background requests, so a page
 * left open on a dashboard does not keep an abandoned session alive past the idle timeout. */
document.addEventListener("htmx:configRequest", function (event) {
  var trigger = (event.detail.elt && event.detail.elt.getAttribute("hx-trigger")) || "";
  if (/(^|,)\s*every\s/.test(trigger)) event.detail.headers["X-Peixun-Background"] = "1";
});
