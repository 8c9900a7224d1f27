/** An answer other than success, with the JSON body the page shows: thrown by a route, sent by the server. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly body: { error: string; message: string },
  ) {
    super(body.message);
  }
}
