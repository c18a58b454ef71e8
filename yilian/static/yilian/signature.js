// The signature pad of the patient's consent page: draw with a finger, a stylus or the
// mouse on <canvas data-signature-pad>; "Clear" starts again; on submit the drawing is put
// into the form's hidden "signature" field as a PNG data URL. An empty pad is not sent.
(function () {
  "use strict";

  function setUp(form) {
    var canvas = form.querySelector("canvas[data-signature-pad]");
    var field = form.querySelector('input[name="signature"]');
    var clear = form.querySelector("[data-signature-clear]");
    var emptyNote = form.querySelector("[data-signature-empty]");
    if (!canvas || !field || !canvas.getContext) { return; }
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;
    var last = null;

    // Match the bitmap to the displayed size (sharp lines on high-density screens).
    function resize() {
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var rect = canvas.getBoundingClientRect();
      canvas.width = Math.round(rect.width * ratio);
      canvas.height = Math.round(rect.height * ratio);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.lineWidth = 2.5;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111";
      drawn = false;
      field.value = "";
    }

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      var source = event.touches && event.touches.length ? event.touches[0] : event;
      return { x: source.clientX - rect.left, y: source.clientY - rect.top };
    }

    function start(event) {
      event.preventDefault();
      drawing = true;
      last = point(event);
      ctx.beginPath();
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fill();
      drawn = true;
      if (emptyNote) { emptyNote.classList.remove("d-block"); }
    }

    function move(event) {
      if (!drawing) { return; }
      event.preventDefault();
      var next = point(event);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(next.x, next.y);
      ctx.stroke();
      last = next;
    }

    function end() { drawing = false; last = null; }

    if (window.PointerEvent) {
      canvas.addEventListener("pointerdown", function (e) {
        if (canvas.setPointerCapture) { canvas.setPointerCapture(e.pointerId); }
        start(e);
      });
      canvas.addEventListener("pointermove", move);
      canvas.addEventListener("pointerup", end);
      canvas.addEventListener("pointercancel", end);
    } else {
      canvas.addEventListener("mousedown", start);
      canvas.addEventListener("mousemove", move);
      window.addEventListener("mouseup", end);
      canvas.addEventListener("touchstart", start, { passive: false });
      canvas.addEventListener("touchmove", move, { passive: false });
      canvas.addEventListener("touchend", end);
    }

    if (clear) {
      clear.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        drawn = false;
        field.value = "";
      });
    }

    form.addEventListener("submit", function (event) {
      if (!drawn) {
        event.preventDefault();
        if (emptyNote) { emptyNote.classList.add("d-block"); }
        canvas.focus();
        return;
      }
      field.value = canvas.toDataURL("image/png");
    });

    var width = 0;
    window.addEventListener("resize", function () {
      // Phones fire resize when the address bar hides; only a real width change clears.
      var now = canvas.getBoundingClientRect().width;
      if (Math.abs(now - width) > 1 && !drawn) { resize(); width = now; }
    });
    resize();
    width = canvas.getBoundingClientRect().width;
  }

  function init() {
    document.querySelectorAll("form[data-signature-form]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
