/**
 * Side-effect import for entry points (the CLI, the compute host): installs
 * the native kernels at start-up when the addon is built and RECON_NATIVE is
 * not 0, so `import '../engine/native-startup';` is the whole wiring.
 * nativeStatus says what happened (for `info`-style reporting and logs).
 */
import { installNative, type NativeStatus } from './native';

export const nativeStatus: NativeStatus = installNative();
