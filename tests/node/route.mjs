// A host-side `wasi:http/outgoing-handler` for the tests: jco maps the
// component's import to this module (`--map wasi:http/outgoing-handler=…`),
// which sends requests for the hosts named in PINTEREST_ROUTES (JSON, such as
// {"api.pinterest.com": "127.0.0.1:4100"}) to that address over plain HTTP,
// the way the Rust host's `Policy::route` does, and hands every request to
// preview2-shim's own handler. The component itself is not changed: it still
// asks for https://api.pinterest.com.
import { outgoingHandler } from '@bytecodealliance/preview2-shim/http';

const routes = JSON.parse(process.env.PINTEREST_ROUTES ?? '{}');

export function handle(request, options) {
  const to = routes[request.authority()];
  if (to !== undefined) {
    request.setScheme({ tag: 'HTTP' });
    request.setAuthority(to);
  }
  return outgoingHandler.handle(request, options);
}
