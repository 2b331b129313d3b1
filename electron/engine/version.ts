/**
 * The engine's own version. Recorded in every recon's provenance and shown in
 * the app, so a result can be traced to the code that produced it. Bump it when
 * a change alters the numbers an engine call returns.
 */
export const ENGINE_VERSION = '0.1.0';
