//! Walking Pinterest's `bookmark` cursor one page at a time.
//!
//! A list endpoint answers `{"items": [...], "bookmark": "<next>" | null}`;
//! a null, absent or empty bookmark ends the walk. The walker holds only the
//! cursor, never the pages it has handed over.

use serde::Deserialize;
use serde::de::{IgnoredAny, SeqAccess, Visitor};

use crate::error::ConnectorError;
use crate::http::{HttpResponse, Transport};
use crate::request::PreparedCall;
use crate::session::Session;

/// How a walk is bounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PaginationOptions {
    /// Stop after this many pages; `None` walks to the last page.
    pub max_pages: Option<u32>,
}

/// One page as handed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// 0 for the first page.
    pub index: u32,
    /// The response.
    pub response: HttpResponse,
    /// The number of entries in `items`.
    pub item_count: u32,
    /// The next page's bookmark; `None` on the last page.
    pub next_bookmark: Option<String>,
}

/// What the connector reads off a page body: the length of `items` and the
/// bookmark, without building the items themselves.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PageShape {
    /// Entries in `items`.
    pub item_count: u32,
    /// The next bookmark; `None` when null, absent or empty.
    pub next_bookmark: Option<String>,
}

/// Reads a page body's shape. A body that is not a JSON object with an
/// optional `items` array and an optional string `bookmark` is an upstream
/// error: it cannot be paged.
pub fn page_shape(response: &HttpResponse) -> Result<PageShape, ConnectorError> {
    #[derive(Deserialize)]
    struct Raw {
        #[serde(default, deserialize_with = "count_items")]
        items: u32,
        #[serde(default)]
        bookmark: Option<String>,
    }
    let raw: Raw = serde_json::from_slice(&response.body).map_err(|e| {
        let mut api = response.api_error();
        api.message = format!("the page is not a bookmark-paginated list: {e}");
        ConnectorError::Upstream(api)
    })?;
    Ok(PageShape {
        item_count: raw.items,
        next_bookmark: raw.bookmark.filter(|b| !b.is_empty()),
    })
}

fn count_items<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    struct Count;
    impl<'de> Visitor<'de> for Count {
        type Value = u32;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array of items")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<u32, A::Error> {
            let mut n = 0u32;
            while seq.next_element::<IgnoredAny>()?.is_some() {
                n = n.saturating_add(1);
            }
            Ok(n)
        }
        fn visit_unit<E>(self) -> Result<u32, E> {
            Ok(0)
        }
    }
    d.deserialize_any(Count)
}

/// A walk in progress.
#[derive(Debug, Clone)]
pub struct PageWalker {
    call: PreparedCall,
    next_bookmark: Option<String>,
    index: u32,
    options: PaginationOptions,
    finished: bool,
}

impl PageWalker {
    /// A walk starting at the call's own bookmark (the first page if none).
    pub fn new(call: PreparedCall, options: PaginationOptions) -> PageWalker {
        let next_bookmark = call.bookmark.clone();
        PageWalker {
            call,
            next_bookmark,
            index: 0,
            options,
            finished: false,
        }
    }

    /// Whether the walk has ended.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The bookmark the next page will be asked for (`None` for the first
    /// page or once the walk has ended).
    pub fn next_bookmark(&self) -> Option<&str> {
        self.next_bookmark.as_deref()
    }

    /// Fetches the next page through `session` and `transport`;
    /// `Ok(None)` once the walk has ended. After a transient error (see
    /// [`ConnectorError::is_transient`]) the walk stays where it was, and the next
    /// call asks for the same page again: no page is lost or repeated. After
    /// any other error the walk is finished.
    pub fn next_page(
        &mut self,
        transport: &mut dyn Transport,
        session: &mut Session,
    ) -> Result<Option<Page>, ConnectorError> {
        if self.finished || self.options.max_pages.is_some_and(|max| self.index >= max) {
            self.finished = true;
            return Ok(None);
        }
        let result = self.fetch(transport, session);
        match &result {
            Ok(Some(_)) => {}
            Err(e) if e.is_transient() => {}
            _ => self.finished = true,
        }
        result
    }

    fn fetch(
        &mut self,
        transport: &mut dyn Transport,
        session: &mut Session,
    ) -> Result<Option<Page>, ConnectorError> {
        let sent_bookmark = self.next_bookmark.clone();
        let request = self.call.request_at(sent_bookmark.as_deref());
        let response = session.send(transport, &request, self.call.auth)?;
        response.check_status()?;
        let shape = page_shape(&response)?;
        if shape.next_bookmark.is_some() && shape.next_bookmark == sent_bookmark {
            let mut api = response.api_error();
            api.message = "the bookmark did not advance: the walk would never end".into();
            return Err(ConnectorError::Upstream(api));
        }
        let page = Page {
            index: self.index,
            response,
            item_count: shape.item_count,
            next_bookmark: shape.next_bookmark.clone(),
        };
        self.index += 1;
        self.next_bookmark = shape.next_bookmark;
        if self.next_bookmark.is_none() {
            self.finished = true;
        }
        Ok(Some(page))
    }
}

#[cfg(test)]
#[path = "pagination_tests.rs"]
mod tests;
