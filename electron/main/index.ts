/**
 * Electron main process: lifecycle, the window, the app:// protocol, IPC
 * registration and the compute host's supervision. Thin by design; anything
 * that computes lives in the compute host.
 */
import path from 'node:path';
import { app, BrowserWindow, dialog, MessageChannelMain, type WebContents } from 'electron';
import { Channels, PORT_CHANNEL } from '../contracts';
import { ENGINE_VERSION } from '../engine/version';
import { startComputeHost, type ComputeHost } from './compute-host';
import { hardenSessions, hardenWebContents } from './hardening';
import { handleInvoke } from './ipc';
import { installMenu } from './menu';
import { registerAppScheme, serveAppAssets } from './protocol';
import { APP_URL, isTrustedRendererUrl } from './security';
import { createMainWindow } from './window';

// Built layout: out/main/{index,compute}.js, out/preload/index.js, out/renderer/.
const isDev = !app.isPackaged;
// Only an unpackaged app may be pointed at a dev server.
const devServerUrl = isDev ? process.env.ELECTRON_RENDERER_URL : undefined;
const rendererRoot = path.join(__dirname, '../renderer');
const preloadPath = path.join(__dirname, '../preload/index.js');
const iconPath = path.join(__dirname, '../../resources/icon.png');

let mainWindow: BrowserWindow | null = null;
let compute: ComputeHost | null = null;

/**
 * Connects a renderer straight to the compute host: one end of a fresh
 * channel to the host, the other to the page (through the preload). Done on
 * every load (a reload drops the old port) and after every host restart.
 */
function connectRenderer(contents: WebContents): void {
  if (!compute || contents.isDestroyed()) return;
  const { port1, port2 } = new MessageChannelMain();
  compute.connect(port1);
  contents.postMessage(PORT_CHANNEL, null, [port2]);
}

function openMainWindow(): void {
  mainWindow = createMainWindow({
    url: devServerUrl ?? `${APP_URL}index.html`,
    preload: preloadPath,
    isDev,
    icon: iconPath,
  });
  const contents = mainWindow.webContents;
  contents.on('dom-ready', () => connectRenderer(contents));
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
}

function registerIpc(): void {
  const trusted = (url: string): boolean => isTrustedRendererUrl(url, devServerUrl);
  handleInvoke(Channels.appInfo, trusted, () => ({
    name: app.getName(),
    version: app.getVersion(),
    engineVersion: ENGINE_VERSION,
    platform: process.platform,
    arch: process.arch,
    versions: { electron: process.versions.electron, node: process.versions.node, chrome: process.versions.chrome },
  }));
  handleInvoke(Channels.dialogOpen, trusted, async ({ directory }) => {
    const options: Electron.OpenDialogOptions = {
      title: directory ? 'Open a folder of scans' : 'Open scans',
      properties: directory ? ['openDirectory'] : ['openFile', 'multiSelections'],
    };
    const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
    return result.canceled ? [] : result.filePaths;
  });
}

async function start(): Promise<void> {
  await app.whenReady();
  app.setAboutPanelOptions({
    applicationName: 'Recon Studio',
    applicationVersion: app.getVersion(),
    version: `engine ${ENGINE_VERSION}`,
    credits: 'Research use only — not for diagnosis.',
  });
  hardenSessions();
  serveAppAssets(rendererRoot);
  registerIpc();
  installMenu(isDev);

  compute = startComputeHost(path.join(__dirname, 'compute.js'));
  // The old ports died with the old host: every window gets a new one.
  compute.onRestart(() => {
    for (const win of BrowserWindow.getAllWindows()) connectRenderer(win.webContents);
  });
  compute.ping().then(
    (engineVersion) => console.log(`recon-studio: compute host ready (engine ${engineVersion})`),
    (err: unknown) => console.error(`recon-studio: compute host did not answer: ${String(err)}`),
  );

  openMainWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openMainWindow();
  });
}

// One running app: a second launch focuses the first window instead.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  hardenWebContents();
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => compute?.stop());
  start().catch((err: unknown) => {
    console.error('recon-studio: failed to start:', err);
    app.exit(1);
  });
}
