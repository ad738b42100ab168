// relpack serve: reload this page when the packet is rebuilt. Served only
// by `relpack serve`, never part of a built packet.
(function () {
  var events = new EventSource("/__relpack/events");
  events.onmessage = function () {
    location.reload();
  };
})();
