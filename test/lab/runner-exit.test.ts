import { describe, expect, it } from 'vitest';
import { runnerExit } from '../../src/lab/compose-run.js';

describe('runnerExit (the scenario verdict from docker wait)', () => {
  it('is the exit code docker wait printed', () => {
    expect(runnerExit({ exitCode: 0, stdout: '0\n', stderr: '' })).toBe(0);
    expect(runnerExit({ exitCode: 0, stdout: '2', stderr: '' })).toBe(2);
    expect(runnerExit({ exitCode: 0, stdout: '143\n', stderr: '' })).toBe(143);
  });

  it('is never a pass when docker wait failed or printed no code: an empty stdout is not exit 0', () => {
    expect(runnerExit({ exitCode: 1, stdout: '', stderr: 'Error response from daemon: No such container: 3f2a' })).toBe(
      'docker wait on the runner failed (exit 1): Error response from daemon: No such container: 3f2a',
    );
    expect(runnerExit({ exitCode: 0, stdout: '', stderr: '' })).toBe('docker wait on the runner failed (exit 0): printed ""');
    expect(runnerExit({ exitCode: 0, stdout: 'garbage', stderr: '' })).toMatch(/failed \(exit 0\): printed "garbage"/);
    expect(runnerExit({ exitCode: undefined, stdout: '', stderr: '' })).toMatch(/failed \(exit \?\)/);
  });
});
