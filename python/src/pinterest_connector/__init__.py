"""Pinterest's REST API v5 from Python, through the pinterest-connector
WebAssembly component running in wasmtime.

    from pinterest_connector import Connector, OAuth2Credentials

    connector = Connector(OAuth2Credentials(...), on_credentials=save)
    account = connector.verify()
    for pin in connector.items("GET /pins", query={"page_size": 250}):
        ...
"""

from . import errors, oauth
from ._component import configure
from .connector import Connector, CredentialsCallback, ReportDownload
from .credentials import (
    Credentials,
    OAuth2Credentials,
    SandboxCredentials,
    credentials_from_dict,
)
from .errors import (
    ApiError,
    ComponentError,
    DeniedByHost,
    Forbidden,
    InvalidInput,
    JobFailed,
    JobPending,
    MissingScopes,
    NotFound,
    PinterestError,
    RateLimited,
    TransportError,
    Unauthorized,
    UnsupportedInSandbox,
    UpstreamError,
)
from .models import Account, CallOptions, Endpoint, Headers, Page, Response, Spec
from .oauth import OAuthApp
from .store import CredentialStore, FileStore, LeaseTimeout, MemoryStore, Stored
from .triggers import NewItem, PollResult, Trigger

__version__ = "0.1.0"

__all__ = [
    "Account",
    "ApiError",
    "CallOptions",
    "ComponentError",
    "Connector",
    "CredentialStore",
    "Credentials",
    "CredentialsCallback",
    "DeniedByHost",
    "Endpoint",
    "FileStore",
    "Forbidden",
    "Headers",
    "InvalidInput",
    "JobFailed",
    "JobPending",
    "LeaseTimeout",
    "MemoryStore",
    "MissingScopes",
    "NewItem",
    "NotFound",
    "OAuth2Credentials",
    "OAuthApp",
    "Page",
    "PinterestError",
    "PollResult",
    "RateLimited",
    "ReportDownload",
    "Response",
    "SandboxCredentials",
    "Spec",
    "Stored",
    "TransportError",
    "Trigger",
    "Unauthorized",
    "UnsupportedInSandbox",
    "UpstreamError",
    "configure",
    "credentials_from_dict",
    "errors",
    "oauth",
]
