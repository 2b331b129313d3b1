/**
 * The app:// scheme that serves the built renderer. A privileged standard
 * scheme gives the renderer a real origin (so 'self' in the CSP means
 * something) without file://'s access to the whole disk.
 */
import { readFile } from 'node:fs/promises';
import { protocol } from 'electron';
import { APP_SCHEME, CONTENT_SECURITY_POLICY, contentTypeFor, resolveAppAsset } from './security';

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

const baseHeaders = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
};

function refuse(status: number, text: string): Response {
  return new Response(text, { status, headers: { ...baseHeaders, 'Content-Type': 'text/plain; charset=utf-8' } });
}

/** Serves files under `root` (out/renderer) read-only; call after the app is ready. */
export function serveAppAssets(root: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'Method not allowed');
    const file = resolveAppAsset(root, request.url);
    if (!file) return refuse(404, 'Not found');
    try {
      const body = await readFile(file);
      return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
        headers: { ...baseHeaders, 'Content-Type': contentTypeFor(file) },
      });
    } catch {
      return refuse(404, 'Not found');
    }
  });
}
