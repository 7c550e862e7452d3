//! Where a service may send: Pinterest's API hosts, and nowhere else.
//!
//! The component sends wherever its host lets it (the host's policy
//! decides). A service that takes requests from callers — the edge build —
//! must not let a caller pick the address: a token endpoint or a spec URL
//! in a request body would make it connect to any host its network
//! reaches, and echo what answers. [`PinterestOnly`] refuses every request
//! that is not for Pinterest's API over HTTPS, whatever asked for it.

use crate::credentials::{PRODUCTION_API_BASE, SANDBOX_API_BASE};
use crate::error::ConnectorError;
use crate::http::{HttpRequest, HttpResponse, StreamedResponse, Transport};

/// Whether `url` is on one of Pinterest's API hosts (production or
/// sandbox), over HTTPS on the default port, with no user info.
pub fn is_pinterest_api(url: &url::Url) -> bool {
    let origin = |base: &str| url::Url::parse(base).map(|base| base.origin()).ok();
    url.scheme() == "https"
        && url.username().is_empty()
        && url.password().is_none()
        && [PRODUCTION_API_BASE, SANDBOX_API_BASE]
            .iter()
            .any(|base| origin(base) == Some(url.origin()))
}

/// An `https` URL with a host and no credentials in it.
pub(crate) fn is_plain_https(url: &url::Url) -> bool {
    url.scheme() == "https"
        && url.host_str().is_some()
        && url.username().is_empty()
        && url.password().is_none()
}

/// A transport that sends only to Pinterest's API hosts: anything else is
/// `denied-by-host`, and nothing is sent.
pub struct PinterestOnly<T>(pub T);

impl<T: Transport> Transport for PinterestOnly<T> {
    fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ConnectorError> {
        if !is_pinterest_api(&request.url) {
            return Err(ConnectorError::DeniedByHost(
                "this service sends only to Pinterest's API hosts over HTTPS".into(),
            ));
        }
        self.0.send(request)
    }

    fn wait(&mut self, duration: std::time::Duration) {
        self.0.wait(duration)
    }

    fn random(&mut self) -> u64 {
        self.0.random()
    }

    fn now(&self) -> u64 {
        self.0.now()
    }

    fn open(&mut self, request: &HttpRequest) -> Result<StreamedResponse, ConnectorError> {
        if !is_pinterest_api(&request.url) {
            return Err(ConnectorError::DeniedByHost(
                "this service sends only to Pinterest's API hosts over HTTPS".into(),
            ));
        }
        self.0.open(request)
    }
}

#[cfg(test)]
#[path = "destination_tests.rs"]
mod tests;
