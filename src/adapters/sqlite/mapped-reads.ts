/**
 * Reads of the log's SQLite file through a memory map. (A replica's file does without: a
 * bootstrap, which mostly writes, was no faster with it, 5 interleaved pairs on 2026-12-05.)
 */

/**
 * Bytes of the database file that reads take from a memory map instead of copying each page out
 * of the OS's cache (SQLite's `mmap_size`; files larger than this are mapped this far and read as
 * before beyond it). Reading a snapshot of 100,000 documents costs ~25-35% less
 * (docs/benchmarks.md, the section of 2026-12-05 13:16). Writes are untouched: SQLite writes
 * through the file as without it, and the WAL and its synced commits work as before. The cost
 * SQLite's documentation names is that an I/O error while reading a mapped page ends the process
 * (SIGBUS) instead of failing one request; nothing accepted is lost either way.
 */
export const MMAP_BYTES = 1024 ** 3;

/** The part of better-sqlite3's database that setting a pragma uses. */
interface Pragmas {
  pragma(source: string): unknown;
}

/** Reads of a file through a memory map of `MMAP_BYTES` (an in-memory database has none). */
export const configureReads = (database: Pragmas, path: string): void => {
  if (path !== ':memory:') database.pragma(`mmap_size = ${MMAP_BYTES}`);
};
