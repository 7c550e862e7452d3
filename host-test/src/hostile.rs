//! A hostile or broken server on loopback, speaking HTTP/1.1 by hand so
//! that it can misbehave in ways a well-behaved server library will not:
//! resetting connections mid-body, truncating chunked bodies, streaming
//! without end, stalling before the first byte, sending gigantic headers.
//!
//! Each connection is answered with the next [`Fault`] of a script, then the
//! last one again once the script runs out.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// One way of answering (or not answering) a request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// A well-formed answer.
    Answer {
        /// The status code.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// The body (sent with its `Content-Length`).
        body: String,
    },
    /// Promises a 1 000-byte body, sends 10 bytes, then resets the
    /// connection.
    ResetMidBody,
    /// A chunked body whose terminating chunk never comes: the connection
    /// closes after the first chunk.
    TruncatedChunked,
    /// A chunked body that never ends.
    EndlessBody,
    /// Reads the request, then says nothing for this long before answering
    /// `200 {}`.
    StallBeforeFirstByte(Duration),
    /// A header of this many bytes.
    GiganticHeaders(usize),
    /// `200 {}` without `Connection: close`, so that the client keeps the
    /// connection for its next request, which is never read: the server
    /// closes the connection this long after answering, as one whose
    /// keep-alive timeout ran out would.
    KeepAliveThenClose(Duration),
}

impl Fault {
    /// A JSON answer.
    pub fn json(status: u16, body: &str) -> Fault {
        Fault::Answer {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.into(),
        }
    }

    /// A JSON answer with extra headers.
    pub fn json_with(status: u16, headers: &[(&str, &str)], body: &str) -> Fault {
        let mut fault = Fault::json(status, body);
        if let Fault::Answer { headers: h, .. } = &mut fault {
            h.extend(headers.iter().map(|(n, v)| (n.to_string(), v.to_string())));
        }
        fault
    }

    /// A `200` with an HTML body, as a captive portal or a misrouted proxy
    /// would send.
    pub fn html() -> Fault {
        Fault::Answer {
            status: 200,
            headers: vec![("Content-Type".into(), "text/html".into())],
            body: "<!doctype html><html><body>Sign in to the Wi-Fi</body></html>".into(),
        }
    }
}

struct Shared {
    script: Mutex<VecDeque<Fault>>,
    last: Mutex<Fault>,
    requests: Mutex<Vec<String>>,
    connections: AtomicUsize,
}

/// A running hostile server.
pub struct HostileServer {
    /// Where it listens.
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl HostileServer {
    /// Starts answering connections with `script`, one fault each, then
    /// with its last fault for ever.
    pub async fn start(script: Vec<Fault>) -> anyhow::Result<HostileServer> {
        let last = script
            .last()
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("an empty script"))?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            script: Mutex::new(script.into()),
            last: Mutex::new(last),
            requests: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
        });
        let serving = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = serving.clone();
                tokio::spawn(async move {
                    // A client that gave up is no concern of the server's.
                    let _ = serve(stream, shared).await;
                });
            }
        });
        Ok(HostileServer { addr, shared, task })
    }

    /// The request lines received (`GET /v5/pins HTTP/1.1`), in order.
    pub fn requests(&self) -> Vec<String> {
        self.shared
            .requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// How many requests were received.
    pub fn request_count(&self) -> usize {
        self.requests().len()
    }
}

async fn serve(mut stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    shared.connections.fetch_add(1, Ordering::Relaxed);
    let Some(request_line) = read_request(&mut stream).await? else {
        return Ok(());
    };
    if let Ok(mut requests) = shared.requests.lock() {
        requests.push(request_line);
    }
    let fault = {
        let next = shared.script.lock().ok().and_then(|mut s| s.pop_front());
        match next {
            Some(fault) => fault,
            None => shared
                .last
                .lock()
                .map(|l| l.clone())
                .unwrap_or(Fault::ResetMidBody),
        }
    };
    match fault {
        Fault::Answer {
            status,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} {}\r\nContent-Length: {}\r\nConnection: close\r\n",
                reason(status),
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(body.as_bytes()).await?;
            stream.shutdown().await?;
        }
        Fault::ResetMidBody => {
            stream
                .write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"items\":",
                )
                .await?;
            stream.flush().await?;
            tokio::time::sleep(Duration::from_millis(20)).await;
            // Linger 0: closing sends RST instead of FIN.
            stream.set_zero_linger()?;
            drop(stream);
        }
        Fault::TruncatedChunked => {
            stream
                .write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n{\"items\":\r\n",
                )
                .await?;
            stream.shutdown().await?;
        }
        Fault::EndlessBody => {
            stream
                .write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                )
                .await?;
            let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "a".repeat(64 * 1024));
            // Until the client hangs up.
            loop {
                stream.write_all(chunk.as_bytes()).await?;
            }
        }
        Fault::StallBeforeFirstByte(pause) => {
            tokio::time::sleep(pause).await;
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
                .await?;
            stream.shutdown().await?;
        }
        Fault::KeepAliveThenClose(after) => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
                .await?;
            stream.flush().await?;
            tokio::time::sleep(after).await;
            stream.shutdown().await?;
        }
        Fault::GiganticHeaders(size) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Padding: {}\r\n\r\n{{}}",
                "a".repeat(size)
            );
            stream.write_all(head.as_bytes()).await?;
            stream.shutdown().await?;
        }
    }
    Ok(())
}

/// Reads one request (head and `Content-Length` body); its request line.
async fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<String>> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())
                .flatten()
        })
        .unwrap_or(0);
    let mut have = buffer.len() - head_end;
    while have < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        have += n;
    }
    Ok(head.lines().next().map(str::to_owned))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}
