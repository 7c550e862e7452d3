//! The connector as tools for an AI agent (the Model Context Protocol):
//! their names, descriptions and input schemas, which of them a safety mode
//! offers, the arguments read into typed calls, and results shaped for a
//! model. Pure: the edge build serves them over Streamable HTTP
//! ([`crate::mcp`]) through the core, the CLI over stdio (with `rmcp`)
//! through the component — both from these definitions.
//!
//! Credentials are never a tool argument: the server that runs the tools
//! brings them (a credentials file, a header its gateway sets).

use serde::Deserialize;
use serde_json::{Map, Value, json};

/// What a server lets a model do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Safety {
    /// Only reads: `GET` endpoints and raw `GET` requests.
    pub read_only: bool,
    /// Nothing that deletes: no `DELETE` endpoint or raw `DELETE`.
    pub no_destructive: bool,
}

impl Safety {
    /// Whether a request with `method` may be sent.
    pub fn allows(&self, method: &str) -> bool {
        match method.to_ascii_uppercase().as_str() {
            "GET" => true,
            "DELETE" => !self.read_only && !self.no_destructive,
            _ => !self.read_only,
        }
    }

    /// The mode's name, as the CLI's flags and the edge build's paths say
    /// it: `read-only`, `no-destructive`, or `full`.
    pub fn mode_name(&self) -> &'static str {
        match (self.read_only, self.no_destructive) {
            (true, _) => "read-only",
            (false, true) => "no-destructive",
            (false, false) => "full",
        }
    }

    /// The methods `raw_request` offers.
    fn raw_methods(&self) -> Vec<&'static str> {
        ["GET", "POST", "PUT", "PATCH", "DELETE"]
            .into_iter()
            .filter(|m| self.allows(m))
            .collect()
    }
}

/// One tool as `tools/list` describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    /// The tool's name.
    pub name: &'static str,
    /// A short title for people.
    pub title: &'static str,
    /// What it does, for a model to choose well.
    pub description: String,
    /// The JSON Schema of its arguments.
    pub input_schema: Value,
    /// It changes nothing.
    pub read_only: bool,
    /// It may delete or overwrite.
    pub destructive: bool,
    /// Calling it twice with the same arguments does no more than once.
    pub idempotent: bool,
}

impl ToolSpec {
    /// The MCP `Tool` object.
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "inputSchema": self.input_schema,
            "annotations": {
                "title": self.title,
                "readOnlyHint": self.read_only,
                "destructiveHint": self.destructive,
                "idempotentHint": self.idempotent,
                "openWorldHint": true,
            },
        })
    }
}

/// The most items a paginated call hands a model by default.
pub const DEFAULT_MAX_ITEMS: u32 = 100;
/// The most pages a paginated call reads by default.
pub const DEFAULT_MAX_PAGES: u32 = 5;

/// The most of a report `get_report` hands a model by default.
pub const DEFAULT_REPORT_BYTES: u64 = 64 * 1024;
/// The most of a report `get_report` hands a model at all.
pub const MAX_REPORT_BYTES: u64 = 1024 * 1024;

/// The call tools: one per kind of method, so that each carries the right
/// hints and a safety mode can leave some out.
const CALL_TOOLS: [(&str, &str, &[&str], bool, bool); 3] = [
    (
        "read_endpoint",
        "Read from Pinterest",
        &["GET"],
        true,
        false,
    ),
    (
        "write_endpoint",
        "Create or change on Pinterest",
        &["POST", "PUT", "PATCH"],
        false,
        false,
    ),
    (
        "delete_endpoint",
        "Delete on Pinterest",
        &["DELETE"],
        false,
        true,
    ),
];

/// The tools `safety` offers, in a stable order.
pub fn tools(safety: Safety) -> Vec<ToolSpec> {
    let mut tools = vec![
        ToolSpec {
            name: "search_endpoints",
            title: "Search Pinterest endpoints",
            description:
                "Finds endpoints of Pinterest's API v5 by words (\"list pins of a board\", \
                          \"campaign analytics\"): each match's id, method, path, label and \
                          whether it paginates. Start here, then describe_endpoint."
                    .into(),
            input_schema: json!({
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "Words to look for in the endpoints' ids, paths and summaries."},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 50, "default": 10},
                },
                "required": ["query"],
                "additionalProperties": false,
            }),
            read_only: true,
            destructive: false,
            idempotent: true,
        },
        ToolSpec {
            name: "describe_endpoint",
            title: "Describe a Pinterest endpoint",
            description: "The inputs of one endpoint (`GET /pins` or an operationId such as \
                          `pins/list`) as a JSON Schema with `path`, `query` and `body`: what \
                          to pass to the call tools."
                .into(),
            input_schema: json!({
                "type": "object",
                "properties": {"endpoint": {"type": "string"}},
                "required": ["endpoint"],
                "additionalProperties": false,
            }),
            read_only: true,
            destructive: false,
            idempotent: true,
        },
    ];
    for (name, title, methods, read_only, destructive) in CALL_TOOLS {
        if !methods.iter().any(|m| safety.allows(m)) {
            continue;
        }
        let paginate = if read_only {
            ", and optionally `paginate` to follow the `bookmark` cursor, capped by `max_pages` \
             and `max_items` so that the answer fits"
        } else {
            ""
        };
        let mut properties = json!({
            "endpoint": {"type": "string", "description": format!("`{} /path` or an operationId; its method must be {}.", methods[0], methods.join(" or "))},
            "path_params": {"type": "object", "description": "Path template values by name.", "additionalProperties": {"type": ["string", "number", "boolean"]}},
            "query_params": {"type": "object", "description": "Query parameters by name; a list repeats one.", "additionalProperties": true},
        });
        if !read_only {
            properties["body"] = json!({"description": "The JSON request body."});
        } else {
            properties["paginate"] = json!({
                "type": "object",
                "properties": {
                    "max_pages": {"type": "integer", "minimum": 1, "maximum": 50, "default": DEFAULT_MAX_PAGES},
                    "max_items": {"type": "integer", "minimum": 1, "maximum": 1000, "default": DEFAULT_MAX_ITEMS},
                },
                "additionalProperties": false,
            });
        }
        tools.push(ToolSpec {
            name,
            title,
            description: format!(
                "Calls one {} endpoint of Pinterest's API v5, its inputs checked against the \
                 description before sending: `endpoint`, `path_params`, `query_params`{}{paginate}. \
                 Answers the status and the JSON body.",
                methods.join("/"),
                if read_only { "" } else { ", `body`" },
            ),
            input_schema: json!({
                "type": "object",
                "properties": properties,
                "required": ["endpoint"],
                "additionalProperties": false,
            }),
            read_only,
            destructive,
            idempotent: read_only || destructive,
        });
    }
    let methods = safety.raw_methods();
    tools.push(ToolSpec {
        name: "raw_request",
        title: "Raw Pinterest request",
        description: format!(
            "Sends {} to a URL relative to the API base (`/pins?page_size=5`), for what the \
             catalog does not describe. Answers status, headers and body; a 404 is an answer \
             when `no_throw_on_404` is set.",
            methods.join(", ")
        ),
        input_schema: json!({
            "type": "object",
            "properties": {
                "method": {"type": "string", "enum": methods},
                "url": {"type": "string"},
                "body": {"description": "A JSON body."},
                "no_throw_on_404": {"type": "boolean", "default": false},
            },
            "required": ["method", "url"],
            "additionalProperties": false,
        }),
        read_only: safety.read_only,
        destructive: safety.allows("DELETE"),
        idempotent: safety.read_only,
    });
    tools.push(ToolSpec {
        name: "verify_credentials",
        title: "Verify the Pinterest credentials",
        description: "Checks the server's credentials with `GET /user_account`: the username, \
                      account type and granted scopes."
            .into(),
        input_schema: json!({"type": "object", "properties": {}, "additionalProperties": false}),
        read_only: true,
        destructive: false,
        idempotent: true,
    });
    if safety.allows("POST") {
        tools.push(ToolSpec {
            name: "create_report",
            title: "Ask for a Pinterest ads report",
            description: "Asks for an asynchronous ads report of an ad account \
                          (`POST /ad_accounts/{ad_account_id}/reports`; `body` is the report \
                          request: start_date, end_date, granularity, level, columns…, checked \
                          against the description). Answers its `token`: fetch it with \
                          get_report. Reports reach about 2.5 years back."
                .into(),
            input_schema: json!({
                "type": "object",
                "properties": {
                    "ad_account_id": {"type": "string"},
                    "body": {"type": "object"},
                },
                "required": ["ad_account_id", "body"],
                "additionalProperties": false,
            }),
            read_only: false,
            destructive: false,
            idempotent: false,
        });
    }
    tools.push(ToolSpec {
        name: "get_report",
        title: "Fetch a Pinterest ads report",
        description: "Waits for the report `token` names (a few polls) and answers its \
                      first `max_bytes` (CSV or JSON text, unpacked when compressed) and its \
                      size. Still running: a `job-pending` error — call again later."
            .into(),
        input_schema: json!({
            "type": "object",
            "properties": {
                "ad_account_id": {"type": "string"},
                "token": {"type": "string"},
                "max_bytes": {"type": "integer", "minimum": 1, "maximum": MAX_REPORT_BYTES, "default": DEFAULT_REPORT_BYTES},
                "max_polls": {"type": "integer", "minimum": 1, "maximum": 30, "default": 6},
                "poll_interval_ms": {"type": "integer", "minimum": 0, "maximum": 30000, "default": 5000},
            },
            "required": ["ad_account_id", "token"],
            "additionalProperties": false,
        }),
        read_only: true,
        destructive: false,
        idempotent: true,
    });
    tools.push(ToolSpec {
        name: "poll_trigger",
        title: "Poll for new Pinterest items",
        description: "The items new since the poll that returned `cursor` (none: start \
                      watching now), oldest first, and the cursor to pass next time: \
                      `new-pin`, `new-board`, `new-pin-on-board` (`board_id`) or \
                      `new-pin-in-section` (`board_id`, `section_id`). When `more` is true, \
                      poll again."
            .into(),
        input_schema: json!({
            "type": "object",
            "properties": {
                "trigger": {"type": "string", "enum": TRIGGERS},
                "board_id": {"type": "string"},
                "section_id": {"type": "string"},
                "cursor": {"type": "string"},
                "max_items": {"type": "integer", "minimum": 1, "maximum": 1000, "default": DEFAULT_MAX_ITEMS},
            },
            "required": ["trigger"],
            "additionalProperties": false,
        }),
        read_only: true,
        destructive: false,
        idempotent: false,
    });
    tools
}

/// A tool call read from its name and arguments.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolCall {
    /// `search_endpoints`.
    Search {
        /// The words.
        query: String,
        /// How many matches at most.
        limit: usize,
    },
    /// `describe_endpoint`.
    Describe {
        /// The endpoint.
        endpoint: String,
    },
    /// `read_endpoint`, `write_endpoint`, `delete_endpoint`.
    Call {
        /// The methods the tool may call.
        methods: &'static [&'static str],
        /// The endpoint.
        endpoint: String,
        /// Path parameters.
        path_params: Vec<(String, String)>,
        /// Query parameters.
        query_params: Vec<(String, String)>,
        /// The JSON body, as text.
        body: Option<String>,
        /// Pages and items to read, when paginating.
        paginate: Option<(u32, u32)>,
    },
    /// `raw_request`.
    Raw {
        /// The method, in capitals.
        method: String,
        /// The relative URL.
        url: String,
        /// The JSON body, as text.
        body: Option<String>,
        /// Answer a 404 instead of failing.
        no_throw_on_404: bool,
    },
    /// `verify_credentials`.
    Verify,
    /// `create_report`.
    CreateReport {
        /// The ad account.
        ad_account_id: String,
        /// The report request, JSON text.
        body: String,
    },
    /// `get_report`.
    GetReport {
        /// The ad account.
        ad_account_id: String,
        /// The report's token.
        token: String,
        /// How much of it to hand over.
        max_bytes: u64,
        /// How many times to ask for its state.
        max_polls: u32,
        /// Milliseconds between two asks.
        poll_interval_ms: u32,
    },
    /// `poll_trigger`.
    Poll {
        /// What to watch.
        trigger: TriggerChoice,
        /// The cursor of the previous poll.
        cursor: Option<String>,
        /// Items to hand over at most.
        max_items: u32,
    },
}

/// What `poll_trigger` watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriggerChoice {
    /// A new pin of the user.
    NewPin,
    /// A new board of the user.
    NewBoard,
    /// A new pin on this board.
    NewPinOnBoard(String),
    /// A new pin in this section (board, section).
    NewPinInSection(String, String),
}

/// Why a tool call was not made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToolRefusal {
    /// No such tool.
    #[error("no tool `{0}` here (tools/list names them)")]
    UnknownTool(String),
    /// A tool this server's safety mode does not offer.
    #[error("the tool `{tool}` is not offered in {mode} mode (this server was started that way)")]
    HiddenByMode {
        /// The tool asked for.
        tool: String,
        /// `read-only` or `no-destructive`.
        mode: &'static str,
    },
    /// The arguments do not fit the tool's schema.
    #[error("invalid arguments: {0}")]
    InvalidArguments(String),
    /// The safety mode forbids it.
    #[error("refused: {0}")]
    Forbidden(String),
}

fn args<T: for<'de> Deserialize<'de>>(arguments: &Map<String, Value>) -> Result<T, ToolRefusal> {
    serde_json::from_value(Value::Object(arguments.clone()))
        .map_err(|e| ToolRefusal::InvalidArguments(crate::wire::without_values(&e)))
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn pairs(map: Option<Map<String, Value>>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, value) in map.unwrap_or_default() {
        match value {
            Value::Array(values) => out.extend(values.iter().map(|v| (name.clone(), text_of(v)))),
            other => out.push((name, text_of(&other))),
        }
    }
    out
}

impl ToolCall {
    /// Reads the call of tool `name` with `arguments`, as `safety` allows.
    pub fn read(
        name: &str,
        arguments: &Map<String, Value>,
        safety: Safety,
    ) -> Result<ToolCall, ToolRefusal> {
        if !tools(safety).iter().any(|tool| tool.name == name) {
            let anywhere = tools(Safety::default())
                .iter()
                .any(|tool| tool.name == name);
            return Err(match anywhere {
                true => ToolRefusal::HiddenByMode {
                    tool: name.to_owned(),
                    mode: safety.mode_name(),
                },
                false => ToolRefusal::UnknownTool(name.to_owned()),
            });
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Search {
            query: String,
            limit: Option<usize>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Describe {
            endpoint: String,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Paginate {
            max_pages: Option<u32>,
            max_items: Option<u32>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Call {
            endpoint: String,
            #[serde(alias = "path")]
            path_params: Option<Map<String, Value>>,
            #[serde(alias = "query")]
            query_params: Option<Map<String, Value>>,
            body: Option<Value>,
            paginate: Option<Paginate>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            method: String,
            url: String,
            body: Option<Value>,
            #[serde(default)]
            no_throw_on_404: bool,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Empty {}
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct CreateReport {
            ad_account_id: String,
            body: Map<String, Value>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct GetReport {
            ad_account_id: String,
            token: String,
            max_bytes: Option<u64>,
            max_polls: Option<u32>,
            poll_interval_ms: Option<u32>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Poll {
            trigger: String,
            board_id: Option<String>,
            section_id: Option<String>,
            cursor: Option<String>,
            max_items: Option<u32>,
        }
        Ok(match name {
            "search_endpoints" => {
                let Search { query, limit } = args(arguments)?;
                ToolCall::Search {
                    query,
                    limit: limit.unwrap_or(10).clamp(1, 50),
                }
            }
            "describe_endpoint" => ToolCall::Describe {
                endpoint: args::<Describe>(arguments)?.endpoint,
            },
            "raw_request" => {
                let raw: Raw = args(arguments)?;
                let method = raw.method.to_ascii_uppercase();
                if !safety.allows(&method) {
                    return Err(ToolRefusal::Forbidden(format!(
                        "this server does not send {method} requests (read-only or no-destructive mode)"
                    )));
                }
                ToolCall::Raw {
                    method,
                    url: raw.url,
                    body: raw.body.as_ref().map(Value::to_string),
                    no_throw_on_404: raw.no_throw_on_404,
                }
            }
            "verify_credentials" => {
                let Empty {} = args(arguments)?;
                ToolCall::Verify
            }
            "create_report" => {
                let report: CreateReport = args(arguments)?;
                ToolCall::CreateReport {
                    ad_account_id: report.ad_account_id,
                    body: Value::Object(report.body).to_string(),
                }
            }
            "get_report" => {
                let report: GetReport = args(arguments)?;
                ToolCall::GetReport {
                    ad_account_id: report.ad_account_id,
                    token: report.token,
                    max_bytes: report
                        .max_bytes
                        .unwrap_or(DEFAULT_REPORT_BYTES)
                        .clamp(1, MAX_REPORT_BYTES),
                    max_polls: report.max_polls.unwrap_or(6).clamp(1, 30),
                    poll_interval_ms: report.poll_interval_ms.unwrap_or(5_000).min(30_000),
                }
            }
            "poll_trigger" => {
                let poll: Poll = args(arguments)?;
                let trigger = trigger_choice(&poll.trigger, poll.board_id, poll.section_id)?;
                ToolCall::Poll {
                    trigger,
                    cursor: poll.cursor,
                    max_items: poll.max_items.unwrap_or(DEFAULT_MAX_ITEMS).clamp(1, 1000),
                }
            }
            _ => {
                let Some((_, _, methods, read_only, _)) =
                    CALL_TOOLS.iter().find(|(tool, ..)| *tool == name)
                else {
                    return Err(ToolRefusal::UnknownTool(name.to_owned()));
                };
                let call: Call = args(arguments)?;
                if call.body.is_some() && *read_only {
                    return Err(ToolRefusal::InvalidArguments(format!(
                        "`{name}` sends no body"
                    )));
                }
                ToolCall::Call {
                    methods,
                    endpoint: call.endpoint,
                    path_params: pairs(call.path_params),
                    query_params: pairs(call.query_params),
                    body: call.body.as_ref().map(Value::to_string),
                    paginate: call.paginate.map(|p| {
                        (
                            p.max_pages.unwrap_or(DEFAULT_MAX_PAGES).clamp(1, 50),
                            p.max_items.unwrap_or(DEFAULT_MAX_ITEMS).clamp(1, 1000),
                        )
                    }),
                }
            }
        })
    }
}

/// The triggers `poll_trigger` watches, as every surface spells them.
const TRIGGERS: [&str; 4] = [
    "new-pin",
    "new-board",
    "new-pin-on-board",
    "new-pin-in-section",
];

/// The trigger `name` names (kebab-case as in the CLI, the edge build and
/// the JavaScript and Python packages; `new_pin` is read as `new-pin`),
/// with the ids it needs.
fn trigger_choice(
    name: &str,
    board_id: Option<String>,
    section_id: Option<String>,
) -> Result<TriggerChoice, ToolRefusal> {
    let canonical = name.trim().to_ascii_lowercase().replace('_', "-");
    let needs = |what: &str| {
        ToolRefusal::InvalidArguments(format!("the trigger `{canonical}` needs {what}"))
    };
    Ok(match canonical.as_str() {
        "new-pin" => TriggerChoice::NewPin,
        "new-board" => TriggerChoice::NewBoard,
        "new-pin-on-board" => {
            TriggerChoice::NewPinOnBoard(board_id.ok_or_else(|| needs("`board_id`"))?)
        }
        "new-pin-in-section" => match (board_id, section_id) {
            (Some(board), Some(section)) => TriggerChoice::NewPinInSection(board, section),
            _ => return Err(needs("`board_id` and `section_id`")),
        },
        _ => {
            // `new-pins`, `pin`, `new-boards`: the closest by its words.
            let near = nearest_trigger(&canonical)
                .map(|t| format!("; did you mean `{t}`?"))
                .unwrap_or_default();
            return Err(ToolRefusal::InvalidArguments(format!(
                "`{name}` is not a trigger: the triggers are {}{near}",
                TRIGGERS.map(|t| format!("`{t}`")).join(", ")
            )));
        }
    })
}

/// The trigger a mistyped name most likely meant: the one it is but for a
/// plural `s`, else the most specific one whose words it holds all of.
fn nearest_trigger(name: &str) -> Option<&'static str> {
    let singular = name.trim_end_matches('s');
    if let Some(exact) = TRIGGERS.iter().find(|t| **t == singular) {
        return Some(exact);
    }
    let words: Vec<&str> = name
        .split(['-', ' '])
        .map(|w| w.trim_end_matches('s'))
        .collect();
    TRIGGERS
        .iter()
        .filter(|t| t.split('-').skip(1).all(|w| words.contains(&w)))
        .max_by_key(|t| t.len())
        .copied()
}

/// An endpoint of the catalog, as the search reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointEntry {
    /// The operationId.
    pub id: String,
    /// The method, in capitals.
    pub method: String,
    /// The path template.
    pub path: String,
    /// `GET /pins (List Pins)`.
    pub label: String,
    /// Whether it pages with `bookmark`.
    pub paginated: bool,
}

/// Words that say nothing about an endpoint.
const STOP_WORDS: [&str; 12] = [
    "a", "an", "the", "of", "on", "in", "for", "to", "my", "me", "by", "and",
];

/// The endpoints that match `query` best, best first: each word of the
/// query found in the id, path or label scores, whole words (singular or
/// plural) more; among equals the shorter path (the more general endpoint)
/// comes first.
pub fn search(entries: &[EndpointEntry], query: &str, limit: usize) -> Vec<Value> {
    let words: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| !w.is_empty() && !STOP_WORDS.contains(&w.as_str()))
        .map(|w| w.trim_end_matches('s').to_owned())
        .filter(|w| !w.is_empty())
        .collect();
    let mut scored: Vec<(usize, &EndpointEntry)> = entries
        .iter()
        .filter_map(|entry| {
            let haystack = format!("{} {} {}", entry.id, entry.path, entry.label).to_lowercase();
            let tokens: Vec<&str> = haystack
                .split(|c: char| !c.is_alphanumeric())
                .filter(|t| !t.is_empty())
                .collect();
            let score: usize = words
                .iter()
                .map(|word| {
                    if tokens.iter().any(|t| t.trim_end_matches('s') == word) {
                        3
                    } else if haystack.contains(word.as_str()) {
                        1
                    } else {
                        0
                    }
                })
                .sum();
            (score > 0).then_some((score, entry))
        })
        .collect();
    pinterest_connector_core::order::sort_by(&mut scored, |a, b| {
        b.0.cmp(&a.0)
            .then_with(|| a.1.path.len().cmp(&b.1.path.len()))
            .then_with(|| a.1.id.cmp(&b.1.id))
    });
    scored
        .into_iter()
        .take(limit)
        .map(|(_, entry)| {
            json!({
                "id": entry.id,
                "method": entry.method,
                "path": entry.path,
                "label": entry.label,
                "paginated": entry.paginated,
            })
        })
        .collect()
}

/// A tool's result: the JSON for the model (as text and as structured
/// content), and whether it is an error.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    /// The result.
    pub value: Value,
    /// Whether the call failed (the value then holds `error`).
    pub is_error: bool,
}

impl ToolOutput {
    /// A successful result.
    pub fn ok(value: Value) -> ToolOutput {
        ToolOutput {
            value,
            is_error: false,
        }
    }

    /// A failed one: `{"error": {"kind", "message", …}}`.
    pub fn error(kind: &str, message: &str, detail: Value) -> ToolOutput {
        let mut error = json!({"kind": kind, "message": message});
        if let (Value::Object(error), Value::Object(detail)) = (&mut error, detail) {
            error.extend(detail);
        }
        ToolOutput {
            value: json!({ "error": error }),
            is_error: true,
        }
    }

    /// The MCP `CallToolResult` object.
    pub fn to_json(&self) -> Value {
        json!({
            "content": [{"type": "text", "text": self.value.to_string()}],
            "structuredContent": self.value,
            "isError": self.is_error,
        })
    }
}

/// The result of a call without pagination.
pub fn call_result(status: u16, body: &str, next_bookmark: Option<&str>) -> Value {
    json!({"status": status, "body": body_value(body), "next_bookmark": next_bookmark})
}

/// The result of a raw request.
pub fn raw_result(status: u16, headers: &[(String, String)], body: &str) -> Value {
    json!({"status": status, "headers": headers, "body": body_value(body)})
}

/// The result of `verify_credentials`.
pub fn account_result(username: &str, account_type: &str, scopes: &[String]) -> Value {
    json!({"username": username, "account_type": account_type, "scopes": scopes})
}

/// The result of `poll_trigger`: the items as the list answered them.
pub fn poll_result<'a>(
    items: impl Iterator<Item = &'a str>,
    cursor: &str,
    more: bool,
    interrupted: Option<String>,
) -> Value {
    json!({
        "items": items.map(body_value).collect::<Vec<_>>(),
        "cursor": cursor,
        "more": more,
        "interrupted": interrupted,
    })
}

/// The tool error for an endpoint whose method the call tool does not send.
pub fn method_mismatch(label: &str, method: &str, methods: &[&str]) -> ToolOutput {
    ToolOutput::error(
        "invalid-input",
        &format!(
            "`{label}` is a {method} endpoint: this tool calls {} endpoints",
            methods.join("/")
        ),
        json!({"field": "endpoint"}),
    )
}

/// The items of a paginated read, gathered page by page up to a cap.
#[derive(Debug, Default)]
pub struct Walk {
    items: Vec<Value>,
    max_items: usize,
    pages: u32,
    truncated: bool,
    next_bookmark: Option<String>,
}

impl Walk {
    /// A walk keeping at most `max_items` items.
    pub fn new(max_items: u32) -> Walk {
        Walk {
            max_items: max_items as usize,
            ..Walk::default()
        }
    }

    /// Takes one page's body; whether the walk has all it wants.
    pub fn page(&mut self, body: &str, next_bookmark: Option<String>) -> bool {
        self.pages += 1;
        self.next_bookmark = next_bookmark;
        let body = body_value(body);
        for item in body
            .get("items")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if self.items.len() >= self.max_items {
                self.truncated = true;
                return true;
            }
            self.items.push(item.clone());
        }
        false
    }

    /// The result: the items, the pages read, whether more was left.
    pub fn finish(self) -> Value {
        json!({
            "items": self.items,
            "pages": self.pages,
            "truncated": self.truncated || self.next_bookmark.is_some(),
            "next_bookmark": self.next_bookmark,
        })
    }
}

/// The first bytes of a report, gathered chunk by chunk up to a cap.
#[derive(Debug, Default)]
pub struct ReportExcerpt {
    bytes: Vec<u8>,
    max_bytes: usize,
    truncated: bool,
}

impl ReportExcerpt {
    /// An excerpt of at most `max_bytes`.
    pub fn new(max_bytes: u64) -> ReportExcerpt {
        ReportExcerpt {
            max_bytes: usize::try_from(max_bytes).unwrap_or(usize::MAX),
            ..ReportExcerpt::default()
        }
    }

    /// Takes one chunk; whether the excerpt is full.
    pub fn chunk(&mut self, chunk: &[u8]) -> bool {
        let room = self.max_bytes - self.bytes.len();
        if chunk.len() > room {
            self.bytes.extend_from_slice(&chunk[..room]);
            self.truncated = true;
            return true;
        }
        self.bytes.extend_from_slice(chunk);
        false
    }

    /// The result: the text (a UTF-8 character cut at the end dropped),
    /// its length, whether there was more, the report's size.
    pub fn finish(self, size: Option<u64>) -> Value {
        let text = match std::str::from_utf8(&self.bytes) {
            Ok(text) => text.to_owned(),
            Err(e) => String::from_utf8_lossy(&self.bytes[..e.valid_up_to()]).into_owned(),
        };
        json!({"text": text, "bytes": text.len(), "truncated": self.truncated, "size": size})
    }
}

/// A response body as a model reads it: its JSON, or its text.
pub fn body_value(body: &str) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(body.as_bytes()).unwrap_or_else(|_| Value::String(body.to_owned()))
}

#[cfg(test)]
#[path = "tools_tests.rs"]
mod tests;
