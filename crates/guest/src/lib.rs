//! The Pinterest connector as a WebAssembly component.
//!
//! A thin layer: [`bindings`] are generated from `wit/connector.wit`,
//! [`convert`] maps between WIT and core types, [`transport`] sends the
//! core's requests over `wasi:http/outgoing-handler`, and this module wires
//! the exports to [`pinterest_connector_core::Connector`].

mod convert;
mod transport;

#[allow(missing_docs, clippy::all)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "connector",
    });
}

use std::cell::RefCell;

use bindings::exports::pinterest::connector::actions::{
    self, Account, ApiCallInput, ApiCallOutput, Page, PageStream, PaginationOptions,
    RawRequestInput, RawResponse,
};
use bindings::exports::pinterest::connector::catalog::{self, Endpoint};
use bindings::pinterest::connector::types::{ConnectorError, Credentials, SpecSource};
use pinterest_connector_core::Connector;
use pinterest_connector_core::pagination::{self, PageWalker};

use crate::transport::WasiHttpTransport;

/// The component's exports.
struct Component;

impl catalog::Guest for Component {
    fn list_endpoints(spec: SpecSource) -> Result<Vec<Endpoint>, ConnectorError> {
        let catalog = connector()
            .catalog(&convert::spec(spec))
            .map_err(convert::error)?;
        Ok(catalog
            .operations
            .iter()
            .map(|op| Endpoint {
                id: op.id.clone(),
                method: op.method.as_str().to_owned(),
                path: op.path.clone(),
                label: op.label(),
                paginated: op.paginated,
            })
            .collect())
    }

    fn describe_endpoint(spec: SpecSource, endpoint: String) -> Result<String, ConnectorError> {
        let catalog = connector()
            .catalog(&convert::spec(spec))
            .map_err(convert::error)?;
        let op = catalog.get(&endpoint).map_err(convert::error)?;
        Ok(catalog.input_schema(op).to_string())
    }
}

impl actions::Guest for Component {
    type PageStream = PageStreamState;

    fn api_call(
        credentials: Credentials,
        input: ApiCallInput,
    ) -> Result<ApiCallOutput, ConnectorError> {
        let credentials = convert::credentials(credentials);
        let input = convert::call_input(input);
        let output = connector()
            .api_call(&credentials, &input)
            .map_err(convert::error)?;
        Ok(ApiCallOutput {
            status: output.response.status,
            headers: output.response.headers.clone(),
            body: output.response.body_text(),
            next_bookmark: output.next_bookmark,
        })
    }

    fn api_call_paginated(
        credentials: Credentials,
        input: ApiCallInput,
        options: PaginationOptions,
    ) -> Result<PageStream, ConnectorError> {
        let credentials = convert::credentials(credentials);
        let input = convert::call_input(input);
        let options = pagination::PaginationOptions {
            max_pages: options.max_pages,
        };
        let walker = connector()
            .paginate(&credentials, &input, options)
            .map_err(convert::error)?;
        Ok(PageStream::new(PageStreamState {
            walker: RefCell::new(walker),
        }))
    }

    fn raw_request(
        credentials: Credentials,
        input: RawRequestInput,
    ) -> Result<RawResponse, ConnectorError> {
        let credentials = convert::credentials(credentials);
        let input = convert::raw_input(input);
        let response = connector()
            .raw_request(&credentials, &input)
            .map_err(convert::error)?;
        Ok(RawResponse {
            status: response.status,
            body: response.body_text(),
            headers: response.headers,
        })
    }

    fn verify_credentials(credentials: Credentials) -> Result<Account, ConnectorError> {
        let credentials = convert::credentials(credentials);
        let account = connector()
            .verify_credentials(&credentials)
            .map_err(convert::error)?;
        Ok(Account {
            username: account.username,
            account_type: account.account_type,
            raw: account.raw,
        })
    }
}

/// A walk in progress, behind the WIT `page-stream` resource.
pub struct PageStreamState {
    walker: RefCell<PageWalker>,
}

impl actions::GuestPageStream for PageStreamState {
    fn next(&self) -> Result<Option<Page>, ConnectorError> {
        let mut walker = self.walker.borrow_mut();
        let page = walker
            .next_page(&mut WasiHttpTransport::default())
            .map_err(convert::error)?;
        Ok(page.map(|page| Page {
            index: page.index,
            status: page.response.status,
            body: page.response.body_text(),
            headers: page.response.headers,
            item_count: page.item_count,
            next_bookmark: page.next_bookmark,
        }))
    }
}

fn connector() -> Connector<WasiHttpTransport> {
    Connector::new(WasiHttpTransport::default())
}

bindings::export!(Component with_types_in bindings);
