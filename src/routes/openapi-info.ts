// The OpenAPI document's header: what officers' client developers read first at /docs.
export const openApiInfo = {
  openapi: '3.1.0',
  info: {
    title: 'TQĐT-HA API',
    version: '1.0.0',
    description:
      'Customs supervision support (successor of TQĐT-V5): goods handovers (biên bản bàn giao hàng hóa), ' +
      'confirmations of goods passing the supervision area (xác nhận hàng qua khu vực giám sát) and paper ' +
      'declarations (tờ khai giấy). Every write accepts an Idempotency-Key header. Errors are ' +
      '{code, message, requestId, details?} with stable codes.',
  },
  components: {
    securitySchemes: { bearer: { type: 'http' as const, scheme: 'bearer', bearerFormat: 'JWT' } },
  },
  security: [{ bearer: [] }],
}
