/**
 * Pure security decisions for the main process: which URLs are ours, which
 * file an app:// request may read, which links may leave the app. Kept free of
 * Electron imports so they are tested under plain Node.
 */
import path from 'node:path';

/** Renderer assets are served from app://recon/ (a privileged custom scheme), never file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'recon';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/`;

/** Sent on every renderer response; renderer/index.html repeats it (minus frame-ancestors) as a meta tag. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // Svelte and the viewers set element styles at run time.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * Whether a frame at `url` may talk to main: our app:// origin, or in
 * development the dev server's origin. (Node's URL gives non-special schemes an
 * opaque "null" origin, hence the protocol/host comparison.)
 */
export function isTrustedRendererUrl(url: string, devServerUrl?: string): boolean {
  const u = parse(url);
  if (!u) return false;
  if (u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST) return true;
  const dev = devServerUrl ? parse(devServerUrl) : null;
  return dev !== null && (dev.protocol === 'http:' || dev.protocol === 'https:') && u.origin === dev.origin;
}

/** Only plain web links may be handed to the system browser: no file:, no custom handlers, no credentials. */
export function isSafeExternalUrl(url: string): boolean {
  const u = parse(url);
  return (
    u !== null && (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '' && u.username === '' && u.password === ''
  );
}

/**
 * Maps an app://recon/... request to a file under `root`, or null when the URL
 * is not ours, is malformed, or would escape `root` (e.g. through an encoded
 * `..` or backslash that the URL parser leaves alone).
 */
export function resolveAppAsset(root: string, requestUrl: string): string | null {
  const u = parse(requestUrl);
  if (!u || u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  if (pathname === '' || pathname.endsWith('/')) pathname += 'index.html';
  const base = path.resolve(root);
  const file = path.resolve(base, `.${path.sep}${pathname}`);
  return file.startsWith(base + path.sep) ? file : null;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}
