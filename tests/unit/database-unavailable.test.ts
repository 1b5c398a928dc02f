import vm from 'node:vm';
import { locatedError } from 'graphql';
import { isDatabaseUnavailable } from '../../src/platform/db/errors.js';

/**
 * A socket error pg rethrows may come from another realm than graphql-js's (node's own errors under jest's VM
 * sandbox), which graphql-js wraps in NonErrorThrown: it is still an outage, answered as retryable.
 */
describe('isDatabaseUnavailable', () => {
  it('sees a connection reset through the wrapper of an error of another realm', () => {
    const reset = vm.runInNewContext('Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })') as Error;
    expect(reset instanceof Error).toBe(false);
    expect(isDatabaseUnavailable(locatedError(reset, []).originalError)).toBe(true);
  });

  it('does not take any other failure for an outage', () => {
    const other = vm.runInNewContext('Object.assign(new Error("boom"), { code: "XX000" })') as Error;
    expect(isDatabaseUnavailable(locatedError(other, []).originalError)).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error('boom'), { code: 'XX000' }))).toBe(false);
  });
});
