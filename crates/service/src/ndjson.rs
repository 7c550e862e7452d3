//! A walk answered as NDJSON, one line per page as it arrives.

use serde::Serialize;

use pinterest_connector_core::credentials::Credentials;
use pinterest_connector_core::error::ConnectorError;
use pinterest_connector_core::http::Transport;
use pinterest_connector_core::pagination::PageWalker;
use pinterest_connector_core::session::Session;

use crate::answer::{ErrorJson, ResponseJson, line, refreshed};

/// The content type of a paginated answer.
pub const NDJSON: &str = "application/x-ndjson";

/// A walk answered as NDJSON: `{"page": …}` per page as it arrives, then
/// `{"done": {"pages", "items", "refreshed_credentials"?}}`, or
/// `{"error": …, "next_bookmark": …}` if a later page fails (the bookmark
/// resumes the walk where it stopped).
pub struct PageLines<T> {
    pub(crate) walker: PageWalker,
    pub(crate) session: Session,
    pub(crate) transport: T,
    pub(crate) pages: u32,
    pub(crate) items: u64,
    pub(crate) first: Option<Vec<u8>>,
    pub(crate) ended: bool,
}

impl<T: Transport> PageLines<T> {
    /// The next line (with its `\n`), fetching the next page when the
    /// last is written; `None` after the last.
    pub fn next_line(&mut self) -> Option<Vec<u8>> {
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        if self.ended {
            return None;
        }
        match self.fetch() {
            Ok(line) => Some(line),
            Err(e) => {
                self.ended = true;
                #[derive(Serialize)]
                struct Failed<'a> {
                    error: ErrorJson<'a>,
                    next_bookmark: Option<&'a str>,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    refreshed_credentials: Option<&'a Credentials>,
                }
                Some(line(&Failed {
                    error: ErrorJson::of(&e),
                    next_bookmark: self.walker.next_bookmark(),
                    refreshed_credentials: refreshed(&self.session),
                }))
            }
        }
    }

    /// The next page's line, or the `done` line once the walk has ended.
    pub(crate) fn fetch(&mut self) -> Result<Vec<u8>, ConnectorError> {
        let page = self
            .walker
            .next_page(&mut self.transport, &mut self.session)
            .map_err(|e| self.session.redact(e))?;
        let Some(page) = page else {
            self.ended = true;
            #[derive(Serialize)]
            struct Done<'a> {
                pages: u32,
                items: u64,
                #[serde(skip_serializing_if = "Option::is_none")]
                refreshed_credentials: Option<&'a Credentials>,
            }
            return Ok(line(&serde_json::json!({
                "done": Done {
                    pages: self.pages,
                    items: self.items,
                    refreshed_credentials: refreshed(&self.session),
                }
            })));
        };
        self.pages += 1;
        self.items += u64::from(page.item_count);
        #[derive(Serialize)]
        struct PageJson<'a> {
            index: u32,
            item_count: u32,
            next_bookmark: Option<&'a str>,
            #[serde(flatten)]
            response: ResponseJson<'a>,
        }
        #[derive(Serialize)]
        struct Line<'a> {
            page: PageJson<'a>,
        }
        Ok(line(&Line {
            page: PageJson {
                index: page.index,
                item_count: page.item_count,
                next_bookmark: page.next_bookmark.as_deref(),
                response: ResponseJson::of(&page.response),
            },
        }))
    }
}
