use super::*;

fn names(safety: Safety) -> Vec<&'static str> {
    tools(safety).iter().map(|t| t.name).collect()
}

#[test]
fn the_modes_leave_out_what_they_forbid() {
    let all = names(Safety::default());
    assert!(all.contains(&"write_endpoint") && all.contains(&"delete_endpoint"));
    let no_delete = names(Safety {
        no_destructive: true,
        ..Safety::default()
    });
    assert!(no_delete.contains(&"write_endpoint"));
    assert!(!no_delete.contains(&"delete_endpoint"));
    let read_only = names(Safety {
        read_only: true,
        no_destructive: true,
    });
    assert!(!read_only.contains(&"write_endpoint") && !read_only.contains(&"delete_endpoint"));
    assert!(read_only.contains(&"read_endpoint") && read_only.contains(&"raw_request"));
    assert!(!read_only.contains(&"create_report") && read_only.contains(&"get_report"));
    assert!(all.contains(&"create_report"));
}

#[test]
fn hints_follow_the_methods_each_tool_sends() {
    let all = tools(Safety::default());
    let tool = |name: &str| all.iter().find(|t| t.name == name).unwrap();
    assert!(tool("read_endpoint").read_only && tool("read_endpoint").idempotent);
    assert!(!tool("write_endpoint").read_only && !tool("write_endpoint").destructive);
    assert!(tool("delete_endpoint").destructive && tool("delete_endpoint").idempotent);
    assert!(
        tool("raw_request").destructive,
        "raw DELETE is allowed here"
    );
    let read_only = tools(Safety {
        read_only: true,
        no_destructive: true,
    });
    let raw = read_only.iter().find(|t| t.name == "raw_request").unwrap();
    assert!(raw.read_only && !raw.destructive);
    assert_eq!(
        raw.input_schema["properties"]["method"]["enum"],
        json!(["GET"])
    );
    for tool in &all {
        let json = tool.to_json();
        assert_eq!(json["inputSchema"]["type"], "object", "{}", tool.name);
        assert_eq!(json["annotations"]["readOnlyHint"], tool.read_only);
    }
}

#[test]
fn calls_are_read_and_checked_against_the_mode() {
    let args = |value: Value| value.as_object().unwrap().clone();
    let call = ToolCall::read(
        "read_endpoint",
        &args(json!({"endpoint": "GET /pins", "query_params": {"page_size": 5, "pin_type": ["A", "B"]},
                     "paginate": {"max_items": 7}})),
        Safety::default(),
    )
    .unwrap();
    assert_eq!(
        call,
        ToolCall::Call {
            methods: &["GET"],
            endpoint: "GET /pins".into(),
            path_params: vec![],
            query_params: vec![
                ("page_size".into(), "5".into()),
                ("pin_type".into(), "A".into()),
                ("pin_type".into(), "B".into()),
            ],
            body: None,
            paginate: Some((DEFAULT_MAX_PAGES, 7)),
        }
    );
    let read_only = Safety {
        read_only: true,
        no_destructive: true,
    };
    assert_eq!(
        ToolCall::read(
            "write_endpoint",
            &args(json!({"endpoint": "POST /pins"})),
            read_only
        ),
        Err(ToolRefusal::HiddenByMode {
            tool: "write_endpoint".into(),
            mode: "read-only"
        })
    );
    let hidden = ToolCall::read(
        "delete_endpoint",
        &args(json!({})),
        Safety {
            read_only: false,
            no_destructive: true,
        },
    )
    .unwrap_err();
    assert_eq!(
        hidden.to_string(),
        "the tool `delete_endpoint` is not offered in no-destructive mode (this server was \
         started that way)"
    );
    assert_eq!(
        ToolCall::read("no_such_tool", &args(json!({})), Safety::default()),
        Err(ToolRefusal::UnknownTool("no_such_tool".into()))
    );
    assert!(matches!(
        ToolCall::read(
            "raw_request",
            &args(json!({"method": "delete", "url": "/pins/1"})),
            read_only
        ),
        Err(ToolRefusal::Forbidden(_))
    ));
    assert!(
        matches!(
            ToolCall::read(
                "verify_credentials",
                &args(json!({"access_token": "x"})),
                read_only
            ),
            Err(ToolRefusal::InvalidArguments(_))
        ),
        "credentials are no argument"
    );
}

#[test]
fn search_ranks_whole_words_first() {
    let entry = |id: &str, method: &str, path: &str, label: &str| EndpointEntry {
        id: id.into(),
        method: method.into(),
        path: path.into(),
        label: label.into(),
        paginated: true,
    };
    let entries = vec![
        entry("boards/list", "GET", "/boards", "GET /boards (List boards)"),
        entry(
            "boards/list_pins",
            "GET",
            "/boards/{board_id}/pins",
            "GET /boards/{board_id}/pins (List Pins on board)",
        ),
        entry("pins/list", "GET", "/pins", "GET /pins (List Pins)"),
        entry(
            "board_sections/list_pins",
            "GET",
            "/boards/{board_id}/sections/{section_id}/pins",
            "GET /boards/{board_id}/sections/{section_id}/pins (List Pins on board section)",
        ),
        entry(
            "user_account/get",
            "GET",
            "/user_account",
            "GET /user_account (Get user account)",
        ),
    ];
    let found = search(&entries, "list pins on a board", 2);
    assert_eq!(found[0]["id"], "boards/list_pins");
    assert_eq!(found.len(), 2);
    assert!(search(&entries, "nothing-like-it", 5).is_empty());
}

#[test]
fn a_walk_keeps_the_items_asked_for_and_says_what_is_left() {
    let mut walk = Walk::new(3);
    assert!(!walk.page(r#"{"items":[1,2],"bookmark":"b"}"#, Some("b".into())));
    assert!(walk.page(r#"{"items":[3,4],"bookmark":"c"}"#, Some("c".into())));
    let result = walk.finish();
    assert_eq!(result["items"], json!([1, 2, 3]));
    assert_eq!(
        (result["pages"].as_u64(), result["truncated"].as_bool()),
        (Some(2), Some(true))
    );
    let mut whole = Walk::new(10);
    whole.page(r#"{"items":[1],"bookmark":null}"#, None);
    assert_eq!(whole.finish()["truncated"], false);
}

#[test]
fn a_report_excerpt_stops_at_its_cap_without_cutting_a_character() {
    let mut excerpt = ReportExcerpt::new(5);
    assert!(!excerpt.chunk(b"ab"));
    assert!(
        excerpt.chunk("cdé".as_bytes()),
        "é's second byte is past the cap"
    );
    let result = excerpt.finish(Some(99));
    assert_eq!(result["text"], "abcd");
    assert_eq!(
        (result["truncated"].as_bool(), result["size"].as_u64()),
        (Some(true), Some(99))
    );
}

#[test]
fn a_trigger_without_its_board_is_refused_before_anything_runs() {
    let args = |value: Value| value.as_object().unwrap().clone();
    assert!(matches!(
        ToolCall::read(
            "poll_trigger",
            &args(json!({"trigger": "new_pin_on_board"})),
            Safety::default()
        ),
        Err(ToolRefusal::InvalidArguments(_))
    ));
    assert_eq!(
        ToolCall::read(
            "poll_trigger",
            &args(json!({"trigger": "new_pin_in_section", "board_id": "1", "section_id": "2"})),
            Safety::default()
        ),
        Ok(ToolCall::Poll {
            trigger: TriggerChoice::NewPinInSection("1".into(), "2".into()),
            cursor: None,
            max_items: DEFAULT_MAX_ITEMS,
        })
    );
}

#[test]
fn triggers_are_kebab_case_as_everywhere_and_snake_case_is_read_too() {
    let args = |value: Value| value.as_object().unwrap().clone();
    for name in ["new-pin", "new_pin", "NEW-PIN"] {
        assert!(
            matches!(
                ToolCall::read(
                    "poll_trigger",
                    &args(json!({"trigger": name})),
                    Safety::default()
                ),
                Ok(ToolCall::Poll {
                    trigger: TriggerChoice::NewPin,
                    ..
                })
            ),
            "{name}"
        );
    }
    let schema = tools(Safety::default())
        .into_iter()
        .find(|tool| tool.name == "poll_trigger")
        .unwrap()
        .input_schema;
    assert_eq!(
        schema["properties"]["trigger"]["enum"],
        json!([
            "new-pin",
            "new-board",
            "new-pin-on-board",
            "new-pin-in-section"
        ])
    );
    let refused = |name: &str, extra: Value| {
        let mut arguments = args(json!({"trigger": name}));
        arguments.extend(args(extra));
        ToolCall::read("poll_trigger", &arguments, Safety::default())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        refused("new-pin-on-board", json!({})),
        "invalid arguments: the trigger `new-pin-on-board` needs `board_id`"
    );
    assert!(
        refused("new-pins", json!({})).ends_with("did you mean `new-pin`?"),
        "{}",
        refused("new-pins", json!({}))
    );
    assert!(refused("new_boards", json!({})).ends_with("did you mean `new-board`?"));
    assert!(refused("pins-on-board", json!({})).ends_with("did you mean `new-pin-on-board`?"));
    let unknown = refused("banana", json!({}));
    assert!(
        unknown.contains("`banana` is not a trigger: the triggers are `new-pin`"),
        "{unknown}"
    );
    assert!(!unknown.contains("did you mean"), "{unknown}");
}

#[test]
fn path_and_query_are_read_as_path_params_and_query_params() {
    let args = |value: Value| value.as_object().unwrap().clone();
    let short = ToolCall::read(
        "read_endpoint",
        &args(json!({"endpoint": "GET /pins/{pin_id}", "path": {"pin_id": "7"}, "query": {"ad_account_id": "1"}})),
        Safety::default(),
    )
    .unwrap();
    let long = ToolCall::read(
        "read_endpoint",
        &args(json!({"endpoint": "GET /pins/{pin_id}", "path_params": {"pin_id": "7"}, "query_params": {"ad_account_id": "1"}})),
        Safety::default(),
    )
    .unwrap();
    assert_eq!(short, long);
}
