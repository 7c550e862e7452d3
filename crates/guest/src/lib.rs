//! The Pinterest connector as a WebAssembly component.
//!
//! A thin layer: [`bindings`] are generated from `wit/connector.wit`,
//! [`convert`] maps between WIT and core types, the core's requests go out
//! over `wasi:http/outgoing-handler` ([`pinterest_connector_wasi_transport`]),
//! and this module wires the exports to [`pinterest_connector_core::Connector`].

mod convert;

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
use bindings::exports::pinterest::connector::oauth::{self, OauthApp};
use bindings::pinterest::connector::credentials::{Credentials, Oauth2Credentials};
use bindings::pinterest::connector::types::{ActionError, CallOptions, ConnectorError, SpecSource};
use pinterest_connector_core::Connector;
use pinterest_connector_core::connector::OAuthApp;
use pinterest_connector_core::oauth as core_oauth;
use pinterest_connector_core::options::CallOptions as CoreCallOptions;
use pinterest_connector_core::pagination::{self, PageWalker};
use pinterest_connector_core::retry::Retrying;
use pinterest_connector_core::session::Session;

use pinterest_connector_wasi_transport::{WasiHttpTransport, now, retrying};

/// The component's exports.
struct Component;

impl catalog::Guest for Component {
    fn list_endpoints(spec: SpecSource) -> Result<Vec<Endpoint>, ConnectorError> {
        let catalog = connector()
            .catalog(&convert::spec(spec))
            .map_err(convert::error)?;
        Ok(catalog
            .operations
            .summaries()
            .map(|op| Endpoint {
                id: op.id.to_owned(),
                method: op.method.as_str().to_owned(),
                path: op.path.to_owned(),
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
        Ok(catalog.input_schema_text(op))
    }
}

impl oauth::Guest for Component {
    fn authorize_url(
        client_id: String,
        redirect_uri: String,
        scopes: Vec<String>,
        state: String,
        authorization_endpoint: Option<String>,
    ) -> Result<String, ConnectorError> {
        let endpoint = authorization_endpoint
            .as_deref()
            .unwrap_or(core_oauth::AUTHORIZATION_ENDPOINT);
        core_oauth::authorize_url(endpoint, &client_id, &redirect_uri, &scopes, &state)
            .map(String::from)
            .map_err(convert::error)
    }

    fn exchange_code(
        app: OauthApp,
        code: String,
        redirect_uri: String,
    ) -> Result<Oauth2Credentials, ConnectorError> {
        let app = OAuthApp {
            client_id: app.client_id,
            client_secret: app.client_secret,
            token_endpoint: app.token_endpoint,
            continuous_refresh: app.continuous_refresh,
        };
        connector()
            .exchange_code(&app, &code, &redirect_uri, now())
            .map(convert::oauth2_out)
            .map_err(convert::error)
    }

    fn refresh(credentials: Oauth2Credentials) -> Result<Oauth2Credentials, ConnectorError> {
        connector()
            .refresh(&convert::oauth2_in(credentials), now())
            .map(convert::oauth2_out)
            .map_err(convert::error)
    }
}

impl actions::Guest for Component {
    type PageStream = PageStreamState;

    fn api_call(
        credentials: Credentials,
        input: ApiCallInput,
        options: Option<CallOptions>,
    ) -> Result<ApiCallOutput, ActionError> {
        let mut session = Session::new(convert::credentials(credentials));
        let input = convert::call_input(input);
        let result = convert::call_options(options)
            .and_then(|options| acting(options).api_call(&mut session, &input, now()));
        convert::outcome(&session, result, |mut output, credentials| ApiCallOutput {
            status: output.response.status,
            body: output.response.take_body_text(),
            headers: output.response.headers,
            next_bookmark: output.next_bookmark,
            credentials,
        })
    }

    fn api_call_paginated(
        credentials: Credentials,
        input: ApiCallInput,
        pagination: PaginationOptions,
        options: Option<CallOptions>,
    ) -> Result<PageStream, ActionError> {
        let session = Session::new(convert::credentials(credentials));
        let input = convert::call_input(input);
        let pagination = pagination::PaginationOptions {
            max_pages: pagination.max_pages,
        };
        let result = convert::call_options(options).and_then(|options| {
            let walker = acting(options).paginate(&session, &input, pagination)?;
            Ok((walker, options))
        });
        let (walker, options) = convert::outcome(&session, result, |started, _| started)?;
        Ok(PageStream::new(PageStreamState {
            walker: RefCell::new(walker),
            session: RefCell::new(session),
            options,
        }))
    }

    fn raw_request(
        credentials: Credentials,
        input: RawRequestInput,
        options: Option<CallOptions>,
    ) -> Result<RawResponse, ActionError> {
        let mut session = Session::new(convert::credentials(credentials));
        let input = convert::raw_input(input);
        let result = convert::call_options(options)
            .and_then(|options| acting(options).raw_request(&mut session, &input, now()));
        convert::outcome(&session, result, |mut response, credentials| RawResponse {
            status: response.status,
            body: response.take_body_text(),
            headers: response.headers,
            credentials,
        })
    }

    fn verify_credentials(
        credentials: Credentials,
        options: Option<CallOptions>,
    ) -> Result<Account, ActionError> {
        let mut session = Session::new(convert::credentials(credentials));
        let result = convert::call_options(options)
            .and_then(|options| acting(options).verify_credentials(&mut session, now()));
        convert::outcome(&session, result, |account, credentials| Account {
            username: account.username,
            account_type: account.account_type,
            scopes: account.scopes,
            user_accounts_read: account.user_accounts_read,
            raw: account.raw,
            credentials,
        })
    }
}

/// A walk in progress, behind the WIT `page-stream` resource: the cursor,
/// the credentials (which may refresh between pages) and the call options.
pub struct PageStreamState {
    walker: RefCell<PageWalker>,
    session: RefCell<Session>,
    options: CoreCallOptions,
}

impl actions::GuestPageStream for PageStreamState {
    fn next(&self) -> Result<Option<Page>, ActionError> {
        let mut walker = self.walker.borrow_mut();
        let mut session = self.session.borrow_mut();
        let mut transport = retrying(self.options);
        let result = walker.next_page(&mut transport, &mut session, now());
        convert::outcome(&session, result, |page, credentials| {
            page.map(|mut page| Page {
                index: page.index,
                status: page.response.status,
                body: page.response.take_body_text(),
                headers: page.response.headers,
                item_count: page.item_count,
                next_bookmark: page.next_bookmark,
                credentials,
            })
        })
    }
}

/// The connector of an action.
fn acting(options: CoreCallOptions) -> Connector<Retrying<WasiHttpTransport>> {
    Connector::new(retrying(options))
}

/// The connector of the catalog and OAuth functions: default options.
fn connector() -> Connector<Retrying<WasiHttpTransport>> {
    acting(CoreCallOptions::default())
}

bindings::export!(Component with_types_in bindings);
