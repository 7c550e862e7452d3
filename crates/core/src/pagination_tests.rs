use super::*;
use crate::catalog::embedded;
use crate::credentials::Credentials;
use crate::http::HttpRequest;
use crate::request::{CallInput, prepare_call};

/// Serves `total` numbered items in pages of `page_size`, with the offset
/// as the bookmark, and records the bookmarks it was sent.
struct FakeList {
    total: usize,
    page_size: usize,
    sent: Vec<Option<String>>,
    stuck: bool,
}

impl Transport for FakeList {
    fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ConnectorError> {
        let bookmark = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "bookmark")
            .map(|(_, v)| v.into_owned());
        self.sent.push(bookmark.clone());
        let start: usize = bookmark.as_deref().map_or(0, |b| b.parse().unwrap());
        let end = (start + self.page_size).min(self.total);
        let items: Vec<usize> = (start..end).collect();
        let next = if self.stuck {
            serde_json::json!(bookmark.unwrap_or_else(|| "0".into()))
        } else if end < self.total {
            serde_json::json!(end.to_string())
        } else {
            serde_json::json!(null)
        };
        Ok(HttpResponse {
            status: 200,
            headers: vec![],
            body: serde_json::json!({"items": items, "bookmark": next})
                .to_string()
                .into_bytes(),
            attempts: 1,
            received_at: None,
        })
    }

    fn now(&self) -> u64 {
        0
    }
}

fn walker(max_pages: Option<u32>) -> PageWalker {
    let input = CallInput {
        endpoint: "GET /pins".into(),
        ..Default::default()
    };
    let call = prepare_call(
        embedded(),
        &Session::new(Credentials::Sandbox("t".into())),
        &input,
    )
    .unwrap();
    PageWalker::new(call, PaginationOptions { max_pages })
}

fn session() -> Session {
    Session::new(Credentials::Sandbox("t".into()))
}

fn fake(total: usize, page_size: usize) -> FakeList {
    FakeList {
        total,
        page_size,
        sent: vec![],
        stuck: false,
    }
}

#[test]
fn walks_every_page_once_in_order() {
    let mut t = fake(10, 3);
    let mut w = walker(None);
    let mut counts = vec![];
    while let Some(page) = w.next_page(&mut t, &mut session()).unwrap() {
        assert_eq!(page.index as usize, counts.len());
        counts.push(page.item_count);
    }
    assert_eq!(counts, [3, 3, 3, 1]);
    assert_eq!(
        t.sent,
        [None, Some("3".into()), Some("6".into()), Some("9".into())]
    );
    assert!(w.is_finished());
    assert_eq!(w.next_page(&mut t, &mut session()).unwrap(), None);
    assert_eq!(t.sent.len(), 4, "nothing is sent after the last page");
}

#[test]
fn max_pages_stops_early() {
    let mut t = fake(10, 3);
    let mut w = walker(Some(2));
    assert!(w.next_page(&mut t, &mut session()).unwrap().is_some());
    assert!(w.next_page(&mut t, &mut session()).unwrap().is_some());
    assert_eq!(w.next_page(&mut t, &mut session()).unwrap(), None);
    assert_eq!(t.sent.len(), 2);
}

#[test]
fn a_bookmark_that_does_not_advance_ends_the_walk_with_an_error() {
    let mut t = FakeList {
        stuck: true,
        ..fake(10, 3)
    };
    let mut w = walker(None);
    assert!(w.next_page(&mut t, &mut session()).unwrap().is_some());
    assert!(matches!(
        w.next_page(&mut t, &mut session()),
        Err(ConnectorError::Upstream(_))
    ));
    assert_eq!(w.next_page(&mut t, &mut session()).unwrap(), None);
}

#[test]
fn page_shapes_are_read_without_building_items() {
    let shape = |body: &str| {
        page_shape(&HttpResponse {
            status: 200,
            headers: vec![],
            body: body.as_bytes().to_vec(),
            attempts: 1,
            received_at: None,
        })
    };
    assert_eq!(
        shape(r#"{"items":[{"a":1},2,"x"],"bookmark":"b"}"#).unwrap(),
        PageShape {
            item_count: 3,
            next_bookmark: Some("b".into())
        }
    );
    assert_eq!(
        shape(r#"{"items":[],"bookmark":""}"#).unwrap(),
        PageShape::default()
    );
    assert_eq!(shape(r#"{"items":null}"#).unwrap(), PageShape::default());
    assert_eq!(shape(r#"{}"#).unwrap(), PageShape::default());
    assert!(matches!(shape("<html>"), Err(ConnectorError::Upstream(_))));
    assert!(matches!(
        shape(r#"{"bookmark": 5}"#),
        Err(ConnectorError::Upstream(_))
    ));
}
