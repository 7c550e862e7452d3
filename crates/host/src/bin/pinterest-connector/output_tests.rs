use pinterest_connector_host::types::{TransportError, TransportKind};

use super::*;

fn transport(message: &str) -> Failure {
    Failure::Connector(ConnectorError::Transport(TransportError {
        kind: TransportKind::Refused,
        message: message.into(),
        attempts: 1,
    }))
}

fn route(text: &str) -> Route {
    text.parse().unwrap()
}

// The unrouted cases are tested here rather than through the CLI: an
// unrouted Pinterest host is looked up in the DNS, and on a machine that is
// online the request would reach the real Pinterest.
#[test]
fn an_unrouted_host_is_named_with_the_route_that_would_reach_it() {
    let failure =
        transport("DNS-error (rcode address not available) reaching api-sandbox.pinterest.com");
    let routes = [route("api.pinterest.com=127.0.0.1:8700")];
    assert_eq!(
        hint(&failure, &routes).unwrap(),
        "`api-sandbox.pinterest.com` is not routed (routed: api.pinterest.com): --route \
         api-sandbox.pinterest.com=127.0.0.1:PORT sends it to a mock on loopback \
         (`mock-pinterest` prints every route it serves)"
    );
    // A typo in the one route given: the host asked for is not routed.
    let typo = [route("api.pintrest.com=127.0.0.1:8700")];
    let failure = transport("DNS-error reaching api.pinterest.com");
    assert!(
        hint(&failure, &typo)
            .unwrap()
            .contains("`api.pinterest.com` is not routed (routed: api.pintrest.com)")
    );
    assert!(
        hint(&failure, &[])
            .unwrap()
            .starts_with("`api.pinterest.com` could not be reached from this machine")
    );
}

#[test]
fn a_routed_host_says_where_it_is_routed_and_other_errors_get_no_hint() {
    let routes = [route("api.pinterest.com=127.0.0.1:8700")];
    let failure = transport("connection-refused reaching api.pinterest.com (after 4 attempts)");
    assert_eq!(
        hint(&failure, &routes).unwrap(),
        "`api.pinterest.com` is routed to 127.0.0.1:8700 by --route: is the mock still \
         listening there?"
    );
    assert_eq!(hint(&transport("the stream closed"), &routes), None);
    assert_eq!(hint(&Failure::usage("no credentials"), &routes), None);
}
