import { describe, expect, it } from 'vitest';
import { withHeaderOptions } from '../../src/evidence/steps.js';

describe('withHeaderOptions', () => {
  const scenario = 'name: s\nclients: a b\nclient: --realms-in-memory\ntimeout 5s\n';
  it('adds to a header the scenario already has', () => {
    expect(withHeaderOptions(scenario, 'client', '--tls --ca pki/ca.crt')).toBe('name: s\nclients: a b\nclient: --realms-in-memory --tls --ca pki/ca.crt\ntimeout 5s\n');
  });
  it('adds the header after clients: when the scenario has none', () => {
    expect(withHeaderOptions(scenario, 'server', '--tls')).toBe('name: s\nclients: a b\nserver: --tls\nclient: --realms-in-memory\ntimeout 5s\n');
  });
  it('fills an empty header', () => {
    expect(withHeaderOptions('clients: a\nserver:\n', 'server', '--tls')).toBe('clients: a\nserver: --tls\n');
  });
});
