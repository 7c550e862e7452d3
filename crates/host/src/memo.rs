//! The embedded description's catalog answers, kept by the host.
//!
//! What `list-endpoints`, `describe-endpoint` and `describe-endpoints`
//! answer for the embedded description depends on nothing but the
//! component: the same bytes always give the same answer. A host rendering
//! forms asks for them again and again, and each ask costs a fresh instance
//! that inflates and parses the catalog anew (all 142 schemas take ~8 ms).
//! [`CatalogMemo`] keeps each successful answer the first time it is asked
//! for, keyed by exactly what was asked; errors are not kept, and a
//! description passed inline is never memoised (it is the caller's, and
//! could be anything).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::bindings::exports::pinterest::connector::catalog::{DescribedEndpoint, Endpoint};

/// How many single-endpoint answers are kept at most: every endpoint named
/// both ways (`GET /pins` and its operationId) with room to spare, so that
/// a caller naming endpoints in ever new spellings cannot grow it without
/// bound (a spelling the catalog refuses is an error, never kept).
const MAX_DESCRIBED: usize = 1024;

/// The embedded description's answers, shared by a host's clones.
#[derive(Default)]
pub(crate) struct CatalogMemo {
    endpoints: OnceLock<Vec<Endpoint>>,
    every_schema: OnceLock<Vec<DescribedEndpoint>>,
    schemas: Mutex<HashMap<String, String>>,
}

impl CatalogMemo {
    /// `list-endpoints`' answer, if kept.
    pub(crate) fn endpoints(&self) -> Option<Vec<Endpoint>> {
        self.endpoints.get().cloned()
    }

    /// Keeps `list-endpoints`' answer.
    pub(crate) fn keep_endpoints(&self, endpoints: &[Endpoint]) {
        let _ = self.endpoints.set(endpoints.to_vec());
    }

    /// `describe-endpoints`' answer for every endpoint, if kept.
    pub(crate) fn every_schema(&self) -> Option<Vec<DescribedEndpoint>> {
        self.every_schema.get().cloned()
    }

    /// Keeps `describe-endpoints`' answer for every endpoint.
    pub(crate) fn keep_every_schema(&self, described: &[DescribedEndpoint]) {
        let _ = self.every_schema.set(described.to_vec());
    }

    /// `describe-endpoint`'s answer for `endpoint`, if kept.
    pub(crate) fn schema(&self, endpoint: &str) -> Option<String> {
        let schemas = self.schemas.lock().unwrap_or_else(|e| e.into_inner());
        schemas.get(endpoint).cloned()
    }

    /// Keeps `describe-endpoint`'s answer for `endpoint`, while there is
    /// room.
    pub(crate) fn keep_schema(&self, endpoint: &str, schema: &str) {
        let mut schemas = self.schemas.lock().unwrap_or_else(|e| e.into_inner());
        if schemas.len() < MAX_DESCRIBED {
            schemas.insert(endpoint.to_owned(), schema.to_owned());
        }
    }
}
