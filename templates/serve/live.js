// relpack serve: reload this page when the packet is rebuilt. Served only
// by `relpack serve`, never part of a built packet. The page's generation
// goes with the request, so a rebuild that happened before the stream was
// open still reloads the page.
(function () {
  var generation = document.currentScript.getAttribute("data-generation");
  var events = new EventSource("/__relpack/events?since=" + encodeURIComponent(generation));
  events.onmessage = function () {
    location.reload();
  };
})();
