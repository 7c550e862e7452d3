//! A scripted browser for the OAuth2 redirect dance: it follows redirects
//! the way a browser would, sending requests for routed hosts (such as
//! `www.pinterest.com`) to a loopback address over plain HTTP instead.

use std::net::SocketAddr;

use anyhow::{Context, anyhow, bail};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// What a visit ended on.
#[derive(Debug, Clone)]
pub struct Visit {
    /// Every URL requested, in order.
    pub visited: Vec<String>,
    /// The last answer's status.
    pub status: u16,
    /// The last answer's body.
    pub body: String,
}

/// A browser with a hosts file.
#[derive(Debug, Clone, Default)]
pub struct Browser {
    routes: Vec<(String, SocketAddr)>,
}

impl Browser {
    /// A browser that reaches only loopback addresses named in URLs.
    pub fn new() -> Browser {
        Browser::default()
    }

    /// Sends requests for `host` to `addr` instead.
    pub fn route(mut self, host: &str, addr: SocketAddr) -> Browser {
        self.routes.push((host.to_owned(), addr));
        self
    }

    /// GETs `url` and follows up to ten redirects.
    pub async fn visit(&self, url: &str) -> anyhow::Result<Visit> {
        let mut visited = Vec::new();
        let mut next = url::Url::parse(url).with_context(|| format!("not a URL: {url}"))?;
        for _ in 0..10 {
            visited.push(next.to_string());
            let (status, location, body) = self.get(&next).await?;
            match location {
                Some(location) if (300..400).contains(&status) => {
                    next = next
                        .join(&location)
                        .with_context(|| format!("bad Location {location}"))?;
                }
                _ => {
                    return Ok(Visit {
                        visited,
                        status,
                        body,
                    });
                }
            }
        }
        bail!("too many redirects: {visited:?}")
    }

    async fn get(&self, url: &url::Url) -> anyhow::Result<(u16, Option<String>, String)> {
        let host = url.host_str().ok_or_else(|| anyhow!("no host in {url}"))?;
        let addr = match self.routes.iter().find(|(h, _)| h == host) {
            Some((_, addr)) => *addr,
            None if url.scheme() == "http" => {
                let addr: SocketAddr = format!("{host}:{}", url.port().unwrap_or(80))
                    .parse()
                    .with_context(|| format!("{host} is neither routed nor an IP address"))?;
                if !addr.ip().is_loopback() {
                    bail!("the scripted browser only visits loopback, not {addr}");
                }
                addr
            }
            None => bail!("no route for {host}"),
        };
        let stream = TcpStream::connect(addr).await?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // Ends with the connection.
            let _ = connection.await;
        });
        let target = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        let request = http::Request::get(target)
            .header(http::header::HOST, host)
            .body(Empty::<Bytes>::new())?;
        let response = sender.send_request(request).await?;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.into_body().collect().await?.to_bytes();
        Ok((
            status,
            location,
            String::from_utf8_lossy(&body).into_owned(),
        ))
    }
}
