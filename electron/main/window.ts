import path from 'node:path';
import { BrowserWindow } from 'electron';

export interface MainWindowOptions {
  /** app://recon/index.html, or the dev server's URL in development. */
  url: string;
  preload: string;
  isDev: boolean;
  /** Window icon (Linux uses it; macOS and Windows take the bundle's). */
  icon?: string;
}

export function createMainWindow({ url, preload, isDev, icon }: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1360,
    height: 860,
    minWidth: 880,
    minHeight: 560,
    show: false,
    title: 'Recon Studio',
    // Matches the renderer's background so the window does not flash white.
    backgroundColor: '#0d0e10',
    ...(icon && process.platform === 'linux' ? { icon: path.resolve(icon) } : {}),
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      devTools: isDev,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.on('render-process-gone', (_event, details) => {
    console.error(`recon-studio: renderer process gone (${details.reason}, code ${details.exitCode})`);
  });
  void win.loadURL(url);
  return win;
}
