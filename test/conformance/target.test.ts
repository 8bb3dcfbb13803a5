import { describe, expect, it } from 'vitest';
import { parseTarget } from '../../src/conformance/index.js';

describe('parseTarget', () => {
  it.each([
    ['127.0.0.1:5151', { host: '127.0.0.1', port: 5151 }],
    ['localhost:1', { host: 'localhost', port: 1 }],
    ['lab-server.example:65535', { host: 'lab-server.example', port: 65535 }],
    ['[::1]:5151', { host: '::1', port: 5151 }],
  ])('%s', (value, target) => {
    expect(parseTarget(value)).toEqual(target);
  });

  it.each(['127.0.0.1', '127.0.0.1:', ':5151', '127.0.0.1:0', '127.0.0.1:65536', '127.0.0.1:51x', '::1:5151', 'a b:5151', '127.0.0.1:-1'])(
    'refuses %j',
    (value) => {
      expect(parseTarget(value)).toBeUndefined();
    },
  );
});
