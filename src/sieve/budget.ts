import { SIEVE_LIMITS } from './limits.js';

/** A run went past its work budget (limits.ts maxMatchWork); the caller keeps the message. */
export class SieveRunLimit extends Error {
  override readonly name = 'SieveRunLimit';
  constructor() {
    super(`the script did more than ${SIEVE_LIMITS.maxMatchWork} units of matching work`);
  }
}

/** Units of matching work one run may spend (one unit ≈ one character compared). */
export class RunBudget {
  private left: number;

  constructor(units: number = SIEVE_LIMITS.maxMatchWork) {
    this.left = units;
  }

  spend(units: number): void {
    this.left -= units;
    if (this.left < 0) throw new SieveRunLimit();
  }
}
