// Swagger UI over the ingress's own spec. A file, not inline code: the page's CSP runs scripts from 'self' only.
window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  // The reference alone: no top bar to load other specs by URL.
  layout: 'BaseLayout',
  presets: [SwaggerUIBundle.presets.apis],
  // No badge from validator.swagger.io: the page talks to nothing but this service.
  validatorUrl: null,
});
