/**
 * The caller's address as an adapter's `address` option gives it: a fixed string, or a function of the request (the
 * fetch adapter) or of the context (the Hono adapter) that may answer undefined to leave it to the runtime.
 */
export type AddressOption<Input> = string | ((input: Input) => string | undefined);

/** The address a failure budget and the audit trail see when neither the option nor the runtime knows it. */
export const UNKNOWN_ADDRESS = 'unknown';

/**
 * The caller's address: the option's, else the runtime's (SPEC.md, "Every runtime"), else {@link UNKNOWN_ADDRESS}.
 */
export function resolveAddress<Input>(
  option: AddressOption<Input> | undefined,
  input: Input,
  fromRuntime: () => string | undefined,
): string {
  const given = typeof option === 'function' ? option(input) : option;
  return given || fromRuntime() || UNKNOWN_ADDRESS;
}
