/** Misuse of the command line: reported as one line, exit status 2. */
export class UsageError extends Error { }
