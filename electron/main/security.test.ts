import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  contentTypeFor,
  isSafeExternalUrl,
  isTrustedRendererUrl,
  resolveAppAsset,
} from './security';

const root = path.resolve('/srv/out/renderer');

describe('resolveAppAsset', () => {
  it('maps app://recon/ paths to files under the renderer root', () => {
    expect(resolveAppAsset(root, 'app://recon/index.html')).toBe(path.join(root, 'index.html'));
    expect(resolveAppAsset(root, 'app://recon/')).toBe(path.join(root, 'index.html'));
    expect(resolveAppAsset(root, 'app://recon/assets/index-abc.js?v=1#x')).toBe(path.join(root, 'assets', 'index-abc.js'));
    expect(resolveAppAsset(root, 'app://recon/a%20b.css')).toBe(path.join(root, 'a b.css'));
  });

  it.each([
    // The URL parser folds these dot segments itself (%2e counts as a dot), so
    // they land inside root: harmless, a 404 at worst.
    ['an encoded parent segment', 'app://recon/%2e%2e/%2e%2e/etc/passwd'],
    ['a plain parent segment', 'app://recon/../main/index.js'],
    // These survive URL parsing and only become ".." after decoding.
    ['an encoded slash and parent', 'app://recon/assets%2f..%2f..%2fmain%2findex.js'],
    ['a sibling with the same prefix', 'app://recon/..%2frenderer-evil/x.js'],
    ['an encoded backslash and parent', 'app://recon/..%5c..%5cmain%5cindex.js'],
  ])('never escapes the root through %s', (_label, url) => {
    const file = resolveAppAsset(root, url);
    if (file !== null) expect(file.startsWith(root + path.sep)).toBe(true);
  });

  it.each([
    ['an encoded slash and parent', 'app://recon/assets%2f..%2f..%2fmain%2findex.js'],
    ['a sibling with the same prefix', 'app://recon/..%2frenderer-evil/x.js'],
    ['a NUL byte', 'app://recon/index.html%00.png'],
    ['malformed escapes', 'app://recon/%E0%A4%A'],
    ['another host', 'app://evil/index.html'],
    ['another scheme', 'file:///srv/out/renderer/index.html'],
    ['garbage', 'not a url'],
  ])('refuses %s', (_label, url) => {
    expect(resolveAppAsset(root, url)).toBeNull();
  });
});

describe('isTrustedRendererUrl', () => {
  const dev = 'http://localhost:5173/';
  it('trusts our app:// origin and, when given, the dev server origin', () => {
    expect(isTrustedRendererUrl('app://recon/index.html')).toBe(true);
    expect(isTrustedRendererUrl('http://localhost:5173/src/App.svelte', dev)).toBe(true);
  });
  it.each([
    ['a dev URL when no dev server runs', 'http://localhost:5173/', undefined],
    ['another port', 'http://localhost:5174/', dev],
    ['another app host', 'app://other/index.html', dev],
    ['a web page', 'https://example.org/', dev],
    ['file:', 'file:///tmp/x.html', dev],
    ['an empty URL (destroyed frame)', '', dev],
    ['a dev server URL that is not http(s)', 'file:///x', 'file:///x'],
  ])('refuses %s', (_label, url, devUrl) => {
    expect(isTrustedRendererUrl(url, devUrl)).toBe(false);
  });
});

describe('isSafeExternalUrl', () => {
  it('allows plain web links only', () => {
    expect(isSafeExternalUrl('https://fastmri.org/dataset')).toBe(true);
    expect(isSafeExternalUrl('http://example.org')).toBe(true);
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'https://user:pw@example.org', 'app://recon/', 'x']) {
      expect(isSafeExternalUrl(bad)).toBe(false);
    }
  });
});

describe('headers', () => {
  it('locks scripts to self and forbids framing and plugins', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
  });
  it('gives module scripts a JavaScript type (browsers refuse them otherwise)', () => {
    expect(contentTypeFor('/x/assets/index-1.js')).toMatch(/^text\/javascript/);
    expect(contentTypeFor('/x/index.HTML')).toMatch(/^text\/html/);
    expect(contentTypeFor('/x/blob.bin')).toBe('application/octet-stream');
  });
});
