/**
 * Warehouse refuses an upload by raising an HTTPException (`_exc_with_message(HTTPBadRequest, …)` and the like)
 * from wherever the check sits; the double does the same, and the upload route renders the refusal as Pyramid's
 * page (../pyramid.ts) with the message in the reason phrase.
 */
export class UploadRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Body detail; default = the message. `null` for exceptions raised with a status but no detail. */
    readonly detail?: string | null,
  ) {
    super(message);
  }
}

export function refuse(status: number, message: string, detail?: string | null): never {
  throw new UploadRefusal(status, message, detail);
}
