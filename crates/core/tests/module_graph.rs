//! The core's modules form a graph without cycles: each module names the
//! modules it uses (`crate::name`), and no chain of them leads back to where
//! it started. Test modules (`*_tests.rs`) and comments are not counted.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module name → the modules its code uses.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph = BTreeMap::new();
    for entry in std::fs::read_dir(&src).expect("src is readable") {
        let path = entry.expect("an entry").path();
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if path.extension().is_none_or(|e| e != "rs") || name == "lib" || name.ends_with("_tests") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a source file");
        let mut uses = BTreeSet::new();
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (at, _) in line.match_indices("crate::") {
                let used: String = line[at + "crate::".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !used.is_empty() && used != name {
                    uses.insert(used);
                }
            }
        }
        graph.insert(name.to_owned(), uses);
    }
    graph
}

#[test]
fn the_core_modules_have_no_cycle() {
    let graph = graph();
    assert!(graph.len() > 10, "{graph:?}");
    // Depth-first search; a module met again while on the path is a cycle.
    fn visit(
        module: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if done.contains(module) {
            return;
        }
        if let Some(at) = path.iter().position(|m| m == module) {
            panic!("a module cycle: {} -> {module}", path[at..].join(" -> "));
        }
        path.push(module.to_owned());
        for used in graph.get(module).into_iter().flatten() {
            visit(used, graph, path, done);
        }
        path.pop();
        done.insert(module.to_owned());
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        visit(module, &graph, &mut Vec::new(), &mut done);
    }
    // The foundations use nothing above them: `order` (a sort) nothing at
    // all, `error` at most `order`.
    assert!(graph["order"].is_empty(), "{:?}", graph["order"]);
    assert!(
        graph["error"].iter().all(|used| used == "order"),
        "{:?}",
        graph["error"]
    );
    assert_eq!(
        graph["http"],
        BTreeSet::from(["error".to_owned()]),
        "http uses only error"
    );
}
