// Starts Swagger UI on /schema (estivage/openapi.py). A file of its own, not an inline script: the page
// runs under the same Content-Security-Policy as the others (scripts from this origin only).
"use strict";
(function () {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    docExpansion: "list",
    // Swagger UI's default sends the document to validator.swagger.io for a badge: nothing leaves here.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
