// The lesson player: resumes at the saved position and posts the position every ~10 s,
// on pause, at the end and when the page is left.
(function () {
  "use strict";
  var video = document.getElementById("lesson-video");
  if (!video) return;
  var url = video.dataset.progressUrl;
  var saved = parseInt(video.dataset.position || "0", 10) || 0;
  var lastSent = saved;
  function send(finished, leaving) {
    var position = Math.floor(video.currentTime || 0);
    if (!finished && position === lastSent) return;
    lastSent = position;
    var body = new URLSearchParams({ position: String(position) });
    if (finished) body.set("finished", "1");
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      keepalive: !!leaving,
      headers: { "X-CSRFToken": video.dataset.csrf, Accept: "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data) video.dataset.saved = String(data.position);
      if (data && data.completed) video.dataset.completed = "1";
    }).catch(function () { /* the next beat retries */ });
  }
  video.addEventListener("loadedmetadata", function () {
    if (saved > 0 && saved < (video.duration || 0)) video.currentTime = saved;
    video.dataset.ready = "1";
  });
  video.addEventListener("pause", function () { send(false); });
  video.addEventListener("seeked", function () { if (video.paused) send(false); });
  video.addEventListener("ended", function () { send(true); });
  window.setInterval(function () { if (!video.paused) send(false); }, 10000);
  window.addEventListener("pagehide", function () { send(false, true); });
})();
