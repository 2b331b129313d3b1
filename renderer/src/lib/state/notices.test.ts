import { describe, expect, it } from 'vitest';
import { pushNotice, type Notice } from './notices';

const n = (id: number, level: Notice['level']): Notice => ({ id, level, message: `m${id}` });

describe('pushNotice', () => {
  it('keeps errors while infos make room', () => {
    let list: Notice[] = [n(1, 'error')];
    for (let i = 2; i <= 6; i++) list = pushNotice(list, n(i, 'info'), 3);
    expect(list.map((x) => x.id)).toEqual([1, 5, 6]);
  });
  it('drops the oldest error only when nothing else is left', () => {
    let list: Notice[] = [];
    for (let i = 1; i <= 4; i++) list = pushNotice(list, n(i, 'error'), 3);
    expect(list.map((x) => x.id)).toEqual([2, 3, 4]);
  });
});
