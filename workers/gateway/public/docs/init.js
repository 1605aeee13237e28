// Starts Swagger UI (swagger-ui-bundle.js, loaded before this file) on the
// gateway's own document. A file, not an inline script, so the page's
// Content-Security-Policy can forbid inline scripts.
window.ui = SwaggerUIBundle({
	url: "/openapi.json",
	dom_id: "#swagger-ui",
	deepLinking: true,
	displayRequestDuration: true,
	// Swagger UI would otherwise send the document to a public validator
	// service and show its badge: the page must work with no network.
	validatorUrl: null,
});
