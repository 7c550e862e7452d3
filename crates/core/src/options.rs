//! How an action sends its requests: retries, timeouts, the response cap.

use std::time::Duration;

use crate::error::ConnectorError;
use crate::retry::RetryPolicy;

/// Per-call settings a host may pass; [`CallOptions::default`] otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallOptions {
    /// How requests are retried.
    pub retry: RetryPolicy,
    /// Time allowed to connect.
    pub connect_timeout: Duration,
    /// Time allowed from sending to the first byte of the answer.
    pub first_byte_timeout: Duration,
    /// Time allowed between two bytes of the answer.
    pub between_bytes_timeout: Duration,
    /// The largest response body read; a larger one is refused while it is
    /// being read.
    pub max_response_bytes: u64,
}

/// The default response cap: 32 MiB (a page of 250 pins is well under 1 MiB).
pub(crate) const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

impl Default for CallOptions {
    /// The retry defaults, 10 s to connect, 30 s to the first byte and
    /// between bytes, 32 MiB of body.
    fn default() -> Self {
        CallOptions {
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            first_byte_timeout: Duration::from_secs(30),
            between_bytes_timeout: Duration::from_secs(30),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl CallOptions {
    /// Checks the settings make sense: at least one attempt, timeouts and
    /// the body cap above zero.
    pub fn validate(&self) -> Result<(), ConnectorError> {
        if self.retry.max_attempts == 0 {
            return Err(ConnectorError::invalid(
                "options.max-attempts",
                "must be at least 1",
            ));
        }
        for (field, value) in [
            ("options.connect-timeout-ms", self.connect_timeout),
            ("options.first-byte-timeout-ms", self.first_byte_timeout),
            (
                "options.between-bytes-timeout-ms",
                self.between_bytes_timeout,
            ),
        ] {
            if value.is_zero() {
                return Err(ConnectorError::invalid(field, "must be above 0"));
            }
        }
        if self.max_response_bytes == 0 {
            return Err(ConnectorError::invalid(
                "options.max-response-bytes",
                "must be above 0",
            ));
        }
        Ok(())
    }
}
