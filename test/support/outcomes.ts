// What a call the test expects to fail ends in: the error itself, or the name of the AWS error (by name,
// as functions/aws-errors.ts matches them), so a list of outcomes reads as a list of names.

/** The error a promise rejects with; fails if it resolves, or rejects with something that is not an Error. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`expected an Error, got ${String(error)}`);
  }
  throw new Error('expected a rejection');
}

/** `ok` when the call succeeds, else the name of the error it fails with (e.g. "GoneException"). */
export async function outcomeOf(promise: Promise<unknown>, ok = 'ok'): Promise<string> {
  try {
    await promise;
    return ok;
  } catch (error) {
    if (error instanceof Error) return error.name;
    throw error;
  }
}
