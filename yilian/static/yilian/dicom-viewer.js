// The DICOM viewer of a study page: series list, slices by slider, buttons, mouse wheel or a
// one-finger swipe; window presets (server-rendered); zoom with pinch or Ctrl+wheel, pan by
// dragging once zoomed.
(function () {
  "use strict";

  function setUp(root) {
    var stage = root.querySelector("[data-stage]");
    var img = root.querySelector("[data-slice-image]");
    var range = root.querySelector("[data-slice-range]");
    var label = root.querySelector("[data-slice-label]");
    var seriesButtons = Array.prototype.slice.call(root.querySelectorAll("[data-series-button]"));
    var presetButtons = Array.prototype.slice.call(root.querySelectorAll("[data-preset]"));
    var urls = [];
    var index = 0;
    var preset = "default";
    var scale = 1, tx = 0, ty = 0;
    var pointers = new Map();
    var pinchStart = null;
    var swipe = 0;

    function src(i) { return urls[i] + "?preset=" + encodeURIComponent(preset); }

    function preload(i) {
      if (i >= 0 && i < urls.length) { var im = new Image(); im.src = src(i); }
    }

    function show(i) {
      if (!urls.length) { return; }
      index = Math.max(0, Math.min(urls.length - 1, i));
      img.src = src(index);
      img.dataset.index = String(index);
      range.value = String(index + 1);
      label.textContent = (index + 1) + " / " + urls.length;
      preload(index + 1);
      preload(index - 1);
    }

    function transform() {
      img.style.transform = "translate(" + tx + "px," + ty + "px) scale(" + scale + ")";
    }

    function reset() { scale = 1; tx = 0; ty = 0; transform(); }

    function chooseSeries(button) {
      seriesButtons.forEach(function (b) { b.classList.toggle("active", b === button); });
      urls = (button.dataset.urls || "").split(" ").filter(Boolean);
      range.max = String(Math.max(urls.length, 1));
      reset();
      show(Math.floor(urls.length / 2));
    }

    seriesButtons.forEach(function (b) { b.addEventListener("click", function () { chooseSeries(b); }); });
    presetButtons.forEach(function (b) {
      b.addEventListener("click", function () {
        preset = b.dataset.preset;
        presetButtons.forEach(function (o) { o.classList.toggle("active", o === b); });
        show(index);
      });
    });
    range.addEventListener("input", function () { show(parseInt(range.value, 10) - 1); });
    root.querySelectorAll("[data-step]").forEach(function (b) {
      b.addEventListener("click", function () { show(index + parseInt(b.dataset.step, 10)); });
    });
    root.querySelector("[data-reset-view]").addEventListener("click", reset);
    stage.addEventListener("keydown", function (e) {
      if (e.key === "ArrowUp" || e.key === "ArrowLeft") { show(index - 1); e.preventDefault(); }
      if (e.key === "ArrowDown" || e.key === "ArrowRight") { show(index + 1); e.preventDefault(); }
    });
    stage.addEventListener("wheel", function (e) {
      e.preventDefault();
      if (e.ctrlKey) {
        scale = Math.max(1, Math.min(8, scale * (e.deltaY < 0 ? 1.1 : 1 / 1.1)));
        if (scale === 1) { tx = 0; ty = 0; }
        transform();
      } else {
        show(index + (e.deltaY > 0 ? 1 : -1));
      }
    }, { passive: false });

    function distance() {
      var p = Array.from(pointers.values());
      return Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y);
    }

    stage.addEventListener("pointerdown", function (e) {
      try { stage.setPointerCapture(e.pointerId); } catch (err) { /* not an active pointer */ }
      pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
      if (pointers.size === 2) { pinchStart = { d: distance(), scale: scale }; }
    });
    stage.addEventListener("pointermove", function (e) {
      var prev = pointers.get(e.pointerId);
      if (!prev) { return; }
      var dx = e.clientX - prev.x, dy = e.clientY - prev.y;
      pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
      if (pointers.size === 2 && pinchStart) {
        scale = Math.max(1, Math.min(8, pinchStart.scale * distance() / Math.max(pinchStart.d, 1)));
        transform();
      } else if (pointers.size === 1) {
        if (scale > 1) {
          tx += dx; ty += dy; transform();
        } else {
          swipe += dy;
          while (Math.abs(swipe) >= 12) {
            show(index + (swipe > 0 ? 1 : -1));
            swipe -= 12 * Math.sign(swipe);
          }
        }
      }
    });
    function up(e) {
      pointers.delete(e.pointerId);
      if (pointers.size < 2) { pinchStart = null; }
      if (!pointers.size) { swipe = 0; }
    }
    stage.addEventListener("pointerup", up);
    stage.addEventListener("pointercancel", up);

    if (seriesButtons.length) { chooseSeries(seriesButtons[0]); }
  }

  function init() { document.querySelectorAll("[data-dicom-viewer]").forEach(setUp); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
