/**
 * The part of PouchDB's API the peer benchmark uses. `@types/pouchdb` is not used: it pulls in
 * the DOM library for the whole program, which changes the types of Node's own APIs.
 */
declare module 'pouchdb' {
  interface PouchDocument {
    readonly _id: string;
    readonly _rev?: string;
    readonly [field: string]: unknown;
  }

  interface AllDocsOptions {
    readonly startkey?: string;
    readonly endkey?: string;
    readonly include_docs?: boolean;
    readonly limit?: number;
  }

  interface AllDocsResponse {
    readonly total_rows: number;
    readonly rows: readonly { readonly id: string; readonly doc?: PouchDocument }[];
  }

  interface ReplicateResult {
    readonly ok: boolean;
    readonly docs_read: number;
    readonly docs_written: number;
  }

  interface ReplicateOptions {
    readonly batch_size?: number;
  }

  class PouchDB {
    constructor(name: string);
    bulkDocs(docs: readonly PouchDocument[]): Promise<readonly unknown[]>;
    allDocs(options?: AllDocsOptions): Promise<AllDocsResponse>;
    readonly replicate: {
      from(source: PouchDB, options?: ReplicateOptions): Promise<ReplicateResult>;
      to(target: PouchDB, options?: ReplicateOptions): Promise<ReplicateResult>;
    };
    close(): Promise<void>;
  }

  export default PouchDB;
}
