import { describe, expect, it } from 'vitest';
import {
  AppInfoSchema,
  Channels,
  ComputeRequestSchema,
  ComputeResponseSchema,
  invokeContract,
  type AppInfo,
} from './index';

const good: AppInfo = {
  name: 'Recon Studio',
  version: '0.1.0',
  engineVersion: '0.1.0',
  platform: 'linux',
  arch: 'x64',
  versions: { electron: '40.0.0', node: '24.0.0', chrome: '144.0.0' },
};

describe('app:info contract', () => {
  it('accepts a well-formed answer, with or without the Electron-only versions', () => {
    expect(AppInfoSchema.parse(good)).toEqual(good);
    const plainNode = { ...good, versions: { node: '20.19.0' } };
    expect(AppInfoSchema.safeParse(plainNode).success).toBe(true);
  });

  it.each([
    ['a missing field', { ...good, engineVersion: undefined }],
    ['a wrong type', { ...good, version: 1 }],
    ['an empty string', { ...good, name: '' }],
    ['an unknown field', { ...good, secret: 'leak' }],
    ['an unknown nested field', { ...good, versions: { ...good.versions, v8: '1' } }],
    ['a missing node version', { ...good, versions: { electron: '40.0.0' } }],
    ['not an object', 'Recon Studio'],
    ['null', null],
  ])('rejects %s', (_label, payload) => {
    expect(AppInfoSchema.safeParse(payload).success).toBe(false);
  });

  it('takes no arguments: any extra argument is rejected', () => {
    const args = invokeContract[Channels.appInfo].args;
    expect(args.safeParse([]).success).toBe(true);
    expect(args.safeParse([{ path: '/etc/passwd' }]).success).toBe(false);
    expect(args.safeParse(undefined).success).toBe(false);
  });

  it('names every channel it validates', () => {
    expect(Object.keys(invokeContract).sort()).toEqual(Object.values(Channels).sort());
  });
});

describe('compute host messages', () => {
  it('accepts ping and shutdown requests', () => {
    expect(ComputeRequestSchema.parse({ type: 'ping', id: 3 })).toEqual({ type: 'ping', id: 3 });
    expect(ComputeRequestSchema.safeParse({ type: 'shutdown' }).success).toBe(true);
  });

  it.each([
    ['an unknown type', { type: 'rm', id: 1 }],
    ['a fractional id', { type: 'ping', id: 1.5 }],
    ['a negative id', { type: 'ping', id: -1 }],
    ['a string id', { type: 'ping', id: '1' }],
    ['an extra field', { type: 'ping', id: 1, cmd: 'x' }],
    ['no type', { id: 1 }],
  ])('rejects a request with %s', (_label, payload) => {
    expect(ComputeRequestSchema.safeParse(payload).success).toBe(false);
  });

  it('requires the engine version in a pong', () => {
    expect(ComputeResponseSchema.safeParse({ type: 'pong', id: 1, engineVersion: '0.1.0' }).success).toBe(true);
    expect(ComputeResponseSchema.safeParse({ type: 'pong', id: 1 }).success).toBe(false);
    expect(ComputeResponseSchema.safeParse({ type: 'error', message: '' }).success).toBe(false);
  });
});
