/**
 * Pure request checks for browser mode: the token, the Host header, the
 * Origin of WebSocket upgrades, and which file a path may read. Kept apart
 * from the sockets so every refusal is easy to test and to read.
 */
import { timingSafeEqual } from 'node:crypto';
import path from 'node:path';

/** Cookies ignore ports, so the name carries it: two servers on one host keep their own. */
export const cookieName = (port: number): string => `recon_token_${port}`;

/** Constant-time comparison (a timing side channel must not leak the token byte by byte). */
export function tokenMatches(candidate: string | null | undefined, token: string): boolean {
  if (typeof candidate !== 'string') return false;
  const a = Buffer.from(candidate, 'utf8');
  const b = Buffer.from(token, 'utf8');
  // Equal lengths first (timingSafeEqual demands it); a length mismatch says nothing about the bytes.
  return a.length === b.length && timingSafeEqual(a, b);
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** host:port as it appears in a Host header or an origin (IPv6 literals in brackets). */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Host header values this server answers to. A page that a foreign name
 * resolves to (DNS rebinding) arrives with that name here and is refused.
 * Bound to a wildcard address there is no single right name, so any goes
 * (the token still guards it; the serve command warns about such binds).
 */
export function allowedHost(header: string | undefined, host: string, port: number): boolean {
  if (!header) return false;
  if (host === '0.0.0.0' || host === '::') return true;
  const h = header.toLowerCase();
  if (h === hostPort(host, port).toLowerCase()) return true;
  // 127.0.0.1 and localhost are the same loopback; a browser may be given either.
  return isLoopback(host) && h === `localhost:${port}`;
}

/** Browsers always send Origin on upgrades; a foreign one is a page on another site trying its luck. */
export function allowedOrigin(origin: string | undefined, hostHeader: string | undefined): boolean {
  if (origin === undefined) return true; // not a browser (tests, scripts): the token decides
  return hostHeader !== undefined && origin.toLowerCase() === `http://${hostHeader.toLowerCase()}`;
}

/**
 * The file under `root` a URL path names, or null when it is malformed or
 * would leave `root` (encoded dots, backslashes, NUL bytes). A path ending in
 * "/" means its index.html; directory listings do not exist.
 */
export function resolveAsset(root: string, urlPath: string): string | null {
  let pathname: string;
  try {
    pathname = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  if (pathname.split('/').some((seg) => seg === '..')) return null;
  if (pathname.endsWith('/')) pathname += 'index.html';
  const base = path.resolve(root);
  const file = path.resolve(base, `.${path.sep}${pathname}`);
  return file.startsWith(base + path.sep) ? file : null;
}

/** The page's policy; connect-src names the socket explicitly for browsers that do not match ws: against 'self'. */
export function contentSecurityPolicy(host: string, port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // Svelte and the viewers set element styles at run time.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    `connect-src 'self' ws://${hostPort(host, port)}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
