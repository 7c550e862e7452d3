// A host-side `wasi:http/outgoing-handler` for the tests: jco maps the
// component's import to this module (`--map wasi:http/outgoing-handler=…`),
// which sends requests for the hosts named in PINTEREST_ROUTES (the CLI's
// spelling, as `mock-pinterest` prints it: `api.pinterest.com=127.0.0.1:4100`,
// comma-separated) to that address over plain HTTP,
// the way the Rust host's `Policy::route` does, and hands every request to
// preview2-shim's own handler. The component itself is not changed: it still
// asks for https://api.pinterest.com.
import { outgoingHandler } from '@bytecodealliance/preview2-shim/http';

const routes = Object.fromEntries(
  (process.env.PINTEREST_ROUTES ?? '')
    .split(',')
    .map((route) => route.trim())
    .filter((route) => route !== '')
    .map((route) => {
      const at = route.indexOf('=');
      if (at <= 0) throw new Error(`PINTEREST_ROUTES: \`${route}\` is not HOST=ADDR`);
      return [route.slice(0, at), route.slice(at + 1)];
    }),
);

export function handle(request, options) {
  const to = routes[request.authority()];
  if (to !== undefined) {
    request.setScheme({ tag: 'HTTP' });
    request.setAuthority(to);
  }
  return outgoingHandler.handle(request, options);
}
