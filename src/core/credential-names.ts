// Header names that look like they carry a credential: an API key header an OpenAPI document names
// (X-Partner-Key), a session, token or signature header. The access log redacts them, and such a
// name spelled with "_" is not forwarded (server/forward-headers.ts).
export const CREDENTIAL_NAME = /key|token|secret|passw|auth|signature|session|cookie|credential/i;
