//! Where a service may send: Pinterest's API hosts, and the S3 hosts
//! Pinterest itself names for a job.
//!
//! The component sends wherever its host lets it (the host's policy
//! decides). A service that takes requests from callers — the edge build —
//! must not let a caller pick the address: a token endpoint or a spec URL
//! in a request body would make it connect to any host its network
//! reaches, and echo what answers. [`PinterestOnly`] refuses every request
//! that is not for Pinterest's API over HTTPS, whatever asked for it, but
//! one: a video's upload or a report's download, to an Amazon S3 host over
//! HTTPS on port 443, without credentials, at a URL Pinterest's answer named
//! in the same action ([`NamedBy::PinterestAnswer`]).

use crate::credentials::{PRODUCTION_API_BASE, SANDBOX_API_BASE};
use crate::error::ConnectorError;
use crate::http::{HttpRequest, HttpResponse, NamedBy, StreamedResponse, Transport};

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

/// Whether `host` is an Amazon S3 host: what Pinterest names for a video
/// upload (`pinterest-media-upload.s3-accelerate.amazonaws.com`) and for a
/// report download (a bucket's `….s3.amazonaws.com` or a regional
/// `….s3.us-east-1.amazonaws.com`, `….s3-us-west-2.amazonaws.com`).
pub fn is_s3_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let Some(rest) = host.strip_suffix(".amazonaws.com") else {
        return false;
    };
    rest.split('.')
        .skip(1)
        .any(|label| label == "s3" || label.starts_with("s3-"))
}

/// Whether `request` may leave a service that sends only to Pinterest:
/// one for Pinterest's API, or one to an S3 host over HTTPS on port 443,
/// at a URL Pinterest named, with no `Authorization` header.
pub fn is_for_pinterest(request: &HttpRequest) -> bool {
    let url = &request.url;
    if is_pinterest_api(url) {
        return true;
    }
    request.named_by == NamedBy::PinterestAnswer
        && is_plain_https(url)
        && url.port().is_none()
        && url.host_str().is_some_and(is_s3_host)
        && request.header("authorization").is_none()
}

/// Which URLs a job may send to when Pinterest's answer names them (an
/// upload's `upload_url`, a report's `url`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobUrls {
    /// Plain `https` URLs only: every action on Pinterest's API, or on an
    /// `https` base a host chose.
    Https,
    /// Also plain `http` to a loopback address: an action whose API base
    /// the host put on loopback (a local mock or proxy, which serves the
    /// job hosts beside the API; wasmtime-py's tests, which cannot reroute).
    AlsoLoopback,
}

impl JobUrls {
    /// Whether `url` is one a job may send to.
    pub fn allow(self, url: &url::Url) -> bool {
        if is_plain_https(url) {
            return true;
        }
        self == JobUrls::AlsoLoopback
            && url.scheme() == "http"
            && url.username().is_empty()
            && url.password().is_none()
            && url
                .host()
                .is_some_and(|host| crate::http::is_loopback(&host))
    }
}

/// An `https` URL with a host and no credentials in it.
pub(crate) fn is_plain_https(url: &url::Url) -> bool {
    url.scheme() == "https"
        && url.host_str().is_some()
        && url.username().is_empty()
        && url.password().is_none()
}

/// A transport that sends only what [`is_for_pinterest`] lets out:
/// anything else is `denied-by-host`, and nothing is sent.
pub struct PinterestOnly<T>(pub T);

impl<T: Transport> Transport for PinterestOnly<T> {
    fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ConnectorError> {
        refuse_unless_for_pinterest(request)?;
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
        refuse_unless_for_pinterest(request)?;
        self.0.open(request)
    }
}

/// `denied-by-host` for a request [`is_for_pinterest`] does not let out.
fn refuse_unless_for_pinterest(request: &HttpRequest) -> Result<(), ConnectorError> {
    if is_for_pinterest(request) {
        return Ok(());
    }
    Err(ConnectorError::DeniedByHost(
        "this service sends only to Pinterest's API hosts over HTTPS, and to the S3 host \
         Pinterest names for an upload or a report, without credentials"
            .into(),
    ))
}

#[cfg(test)]
#[path = "destination_tests.rs"]
mod tests;
