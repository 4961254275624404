// Per-request values shared by middleware and handlers.
export type AppEnv = {
  Variables: {
    requestId: string;
    /** The parsed JSON request body, set by the jsonBody middleware (the idempotency hash uses it). */
    jsonBody: unknown;
  };
};
