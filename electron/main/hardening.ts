/**
 * App-wide Electron hardening: no navigation away from the app, no new
 * windows, no webviews, no permissions, and the CSP on every web response.
 */
import { app, session, shell } from 'electron';
import { CONTENT_SECURITY_POLICY, isSafeExternalUrl } from './security';

function openExternally(url: string): void {
  if (isSafeExternalUrl(url)) void shell.openExternal(url);
  else console.warn(`recon-studio: refused to open ${JSON.stringify(url)}`);
}

export function hardenSessions(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  // app:// responses carry the header already (protocol.ts); this covers the dev server.
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
}

export function hardenWebContents(): void {
  app.on('web-contents-created', (_event, contents) => {
    // The UI is a single page: any navigation is either a link the user meant
    // for the browser or something hostile.
    contents.on('will-navigate', (event, url) => {
      event.preventDefault();
      openExternally(url);
    });
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      openExternally(url);
      return { action: 'deny' };
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}
