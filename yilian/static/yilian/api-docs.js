// Starts Swagger UI on /api/v1/docs from the vendored bundle. Calls made from the page use
// the signed-in session: unsafe methods carry the CSRF token from its cookie.
(function () {
  "use strict";
  var node = document.getElementById("swagger-ui");
  if (!node || typeof SwaggerUIBundle === "undefined") return;
  var cookieName = node.dataset.csrfCookie || "csrftoken";

  function csrfToken() {
    var match = document.cookie.match(new RegExp("(?:^|; )" + cookieName + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  window.ui = SwaggerUIBundle({
    url: node.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis],
    requestInterceptor: function (request) {
      var method = (request.method || "GET").toUpperCase();
      if (["GET", "HEAD", "OPTIONS"].indexOf(method) === -1 && !request.headers.Authorization) {
        request.headers["X-CSRFToken"] = csrfToken();
      }
      return request;
    },
  });
})();
