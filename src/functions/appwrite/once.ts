/**
 * Opening things once per warm container (APPWRITE.md section 1: module-level state survives
 * between executions): the first execution opens, the next ones share it; a failed opening is
 * forgotten, so that the next execution tries again instead of failing forever.
 */

/**
 * A function that calls `open` at most once at a time, and again only after a failure; the
 * argument of the call that opens is the one `open` gets.
 */
export const once = <A, T>(open: (argument: A) => Promise<T>): ((argument: A) => Promise<T>) => {
  let opening: Promise<T> | undefined;
  return (argument) => {
    if (opening === undefined) {
      opening = open(argument);
      opening.catch(() => {
        opening = undefined;
      });
    }
    return opening;
  };
};
