// A TypeScript host of the npm package: `tests/all/node.rs` type-checks it
// (tsc --strict) in the folder the tarball was installed into, against the
// package's declarations (the wrapper's and jco's).
import { Connector, NotFound, PinterestError, Trigger, type Credentials, type Page } from 'pinterest-connector';

const saved: Credentials[] = [];
const connector = new Connector(
  { clientId: 'app', clientSecret: 'secret', accessToken: 'token', expiresAt: 1767225600 },
  { options: { maxAttempts: 2 }, onCredentials: (credentials) => saved.push(credentials) },
);
const username: string = connector.verify().username;

export async function walk(): Promise<number> {
  let count = 0;
  for await (const page of connector.pages('GET /pins', { query: { page_size: 250 } })) {
    const typed: Page = page;
    count += typed.items.length;
  }
  return count;
}

export function missing(): string {
  try {
    return connector.raw('GET', '/pins/999').body;
  } catch (error) {
    if (error instanceof NotFound) {
      const status: number | undefined = error.status;
      return `${error.kind} ${status}`;
    }
    return error instanceof PinterestError ? error.message : String(error);
  }
}

const polled = connector.poll(Trigger.newPinOnBoard('123'), undefined, { maxItems: 10 });
export const first: string | undefined = polled.items[0]?.id;
export { username };
