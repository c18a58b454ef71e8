// A live event's page: the HLS player (hls.js, or the browser's own HLS on iOS Safari),
// the watch-time heartbeat, and the countdown before the event.
//
// Heartbeat: while the video plays, the page posts every data-heartbeat-seconds; the server
// credits the time since the viewer's last heartbeat (capped), so several tabs count once
// and a paused or hidden player earns nothing beyond the cap.
(function () {
  "use strict";

  function countdown() {
    var el = document.querySelector("[data-countdown]");
    if (!el) { return; }
    var starts = new Date(el.dataset.starts).getTime();
    function tick() {
      var left = Math.floor((starts - Date.now()) / 1000);
      if (left <= 0) {
        el.textContent = el.dataset.soon;
        return;
      }
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600);
      var m = Math.floor(left % 3600 / 60), s = left % 60;
      var pad = function (n) { return (n < 10 ? "0" : "") + n; };
      el.textContent = (d ? d + "d " : "") + pad(h) + ":" + pad(m) + ":" + pad(s);
    }
    tick();
    setInterval(tick, 1000);
    // From shortly before the start until a few hours after it, look again now and then:
    // the page shows the player once the stream is live.
    setInterval(function () {
      var until = starts - Date.now();
      if (until < 15 * 60 * 1000 && until > -3 * 3600 * 1000) { location.reload(); }
    }, 20000);
  }

  function player() {
    var video = document.getElementById("live-video");
    if (!video) { return; }
    var message = document.querySelector("[data-player-message]");
    var say = function (text) { if (message && text) { message.textContent = text; } };
    var src = video.dataset.src;
    var start = function () { video.play().catch(function () {}); };

    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls({ liveDurationInfinity: true, lowLatencyMode: false });
      hls.on(window.Hls.Events.MANIFEST_PARSED, start);
      hls.on(window.Hls.Events.ERROR, function (_event, data) {
        if (!data.fatal) { return; }
        say(message && message.dataset.offline);
        if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) {
          hls.recoverMediaError();
        } else {
          setTimeout(function () { hls.loadSource(src); hls.startLoad(); }, 3000);
        }
      });
      hls.loadSource(src);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = src;  // Safari on iPhone and iPad plays HLS itself
      video.addEventListener("loadedmetadata", start);
    } else {
      say(message && message.dataset.unsupported);
      return;
    }
    heartbeat(video);
  }

  function heartbeat(video) {
    var url = video.dataset.heartbeatUrl;
    if (!url) { return; }  // anonymous viewers of a public event earn no watch time
    var every = (parseInt(video.dataset.heartbeatSeconds, 10) || 30) * 1000;
    var timer = null;
    function beat() {
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": video.dataset.csrf, Accept: "application/json" }
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        if (data) { video.dataset.watchedSeconds = String(data.seconds); }
      }).catch(function () { /* the next beat retries */ });
    }
    video.addEventListener("playing", function () {
      if (timer === null) {
        beat();  // starts (or continues) the viewer's clock
        timer = setInterval(function () { if (!video.paused && !video.ended) { beat(); } }, every);
      }
    });
    video.addEventListener("pause", function () {
      if (timer !== null) { clearInterval(timer); timer = null; beat(); }
    });
  }

  countdown();
  player();
})();
